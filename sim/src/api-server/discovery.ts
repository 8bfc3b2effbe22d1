/** Discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>) for the kinds the sim serves. */
import { KINDS } from '../kinds.ts';

export function discovery(path: string): unknown {
  if (path === '/api' || path === '/api/') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis' || path === '/apis/') {
    const groups = new Map<string, Set<string>>();
    for (const k of KINDS) if (k.group) (groups.get(k.group) ?? groups.set(k.group, new Set()).get(k.group))?.add(k.version);
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${[...versions][0]}`, version: [...versions][0] },
      })),
    };
  }
  const segs = path.split('/').filter(Boolean);
  const groupVersion = segs[0] === 'api' ? (segs[1] ?? 'v1') : `${segs[1]}/${segs[2]}`;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: KINDS.filter((k) => k.apiVersion === groupVersion).map((k) => ({
      name: k.plural,
      singularName: k.kind.toLowerCase(),
      namespaced: k.namespaced,
      kind: k.kind,
      ...(k.shortNames ? { shortNames: k.shortNames } : {}),
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    })),
  };
}
