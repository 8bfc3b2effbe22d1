/**
 * The diff (gitops-engine pkg/diff): desired against live, normalised the way server-side apply sees it.
 */
import type { ClusterStore, KubeObject } from '../cluster-store.ts';
import { serverDefaults } from '../cluster-store.ts';
import { hookOf } from './hooks.ts';
import { REFRESH, TRACKING, groupOf, resourceRef, trackingId, versionOf } from './tracking.ts';
import type { Task } from './waves.ts';

export interface ResourceStatus {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status: string;
  requiresPruning?: boolean;
}

export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'];

/**
 * What the diff looks at: no status, no server-set metadata, and none of what others add beside the
 * applied fields (the refresh annotation, an Application's `operation`) — with server-side apply those
 * belong to other field managers and do not make a resource OutOfSync.
 */
const comparableCache = new WeakMap<object, string>();

export function comparable(input: KubeObject): string {
  // Stored objects are immutable and rendered ones are reused until the next render: memoise.
  const cached = comparableCache.get(input);
  if (cached !== undefined) return cached;
  const value = computeComparable(input);
  comparableCache.set(input, value);
  return value;
}

function computeComparable(input: KubeObject): string {
  const o = serverDefaults(input);
  const { status: _s, operation: _o, ...rest } = o;
  const metadata = { ...o.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  if (metadata.annotations?.[REFRESH] !== undefined) {
    const { [REFRESH]: _r, ...annotations } = metadata.annotations;
    if (Object.keys(annotations).length) metadata.annotations = annotations;
    else delete metadata.annotations;
  }
  return canonical({ ...rest, metadata });
}

/** Sync status of each desired resource against the live one it tracks, and what needs pruning. */
export function compare(ctx: { store: ClusterStore; live(appName: string): KubeObject[] }, app: KubeObject, desired: Task[]): { status: 'Synced' | 'OutOfSync'; resources: ResourceStatus[]; entries: { live: KubeObject | undefined }[] } {
  const live = ctx.live(app.metadata.name).filter((o) => !hookOf(o).hook);
  const liveByRef = new Map(live.map((o) => [resourceRef(o), o]));
  const resources: ResourceStatus[] = [];
  const entries: { live: KubeObject | undefined }[] = [];
  let outOfSync = false;
  const desiredRefs = new Set<string>();
  for (const t of desired) {
    const ref = resourceRef(t.obj);
    desiredRefs.add(ref);
    const l = liveByRef.get(ref) ?? ctx.store.get(t.obj.apiVersion, t.obj.kind, t.obj.metadata.namespace, t.obj.metadata.name);
    const tracked = l && l.metadata.annotations?.[TRACKING] === trackingId(app.metadata.name, t.obj);
    const synced = !!l && tracked && comparable(l) === comparable(t.obj);
    if (!synced) outOfSync = true;
    entries.push({ live: tracked ? l : undefined });
    resources.push({
      ...(groupOf(t.obj.apiVersion) ? { group: groupOf(t.obj.apiVersion) } : {}),
      version: versionOf(t.obj.apiVersion),
      kind: t.obj.kind,
      ...(t.obj.metadata.namespace ? { namespace: t.obj.metadata.namespace } : {}),
      name: t.obj.metadata.name,
      status: synced ? 'Synced' : 'OutOfSync',
    });
  }
  for (const l of live) {
    if (desiredRefs.has(resourceRef(l))) continue;
    outOfSync = true;
    entries.push({ live: l });
    resources.push({
      ...(groupOf(l.apiVersion) ? { group: groupOf(l.apiVersion) } : {}),
      version: versionOf(l.apiVersion),
      kind: l.kind,
      ...(l.metadata.namespace ? { namespace: l.metadata.namespace } : {}),
      name: l.metadata.name,
      status: 'OutOfSync',
      requiresPruning: true,
    });
  }
  resources.sort((a, b) => `${a.group ?? ''}/${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.group ?? ''}/${b.kind}/${b.namespace ?? ''}/${b.name}`));
  return { status: outOfSync ? 'OutOfSync' : 'Synced', resources, entries };
}
