/** The REST path of a request: group, version, resource, namespace, name, subresource. */
import { kindByResource, type KindInfo } from '../kinds.ts';

export interface Route {
  info: KindInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  rest: string[];
}

export function parseRoute(path: string): Route | 'discovery' | undefined {
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length < 2) return 'discovery';
    version = segs[1] as string;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length < 3) return 'discovery';
    group = segs[1] as string;
    version = segs[2] as string;
    rest = segs.slice(3);
  } else return undefined;
  if (!rest.length) return 'discovery';
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const info = kindByResource(group, version, rest[0] as string);
  if (!info) return undefined;
  return { info, ...(namespace !== undefined ? { namespace } : {}), ...(rest[1] !== undefined ? { name: rest[1] } : {}), ...(rest[2] !== undefined ? { subresource: rest[2] } : {}), rest: rest.slice(3) };
}
