/**
 * What the API server does to a pod on create, after schema validation, in its order:
 * LimitRanger (defaults, then min/max), Pod Security (namespace `pod-security.kubernetes.io/enforce`),
 * ResourceQuota (pods without requests/limits for a covered resource are refused; totals may not exceed
 * `hard`). Also the PVC part of ResourceQuota (`requests.storage`, `persistentvolumeclaims`).
 * Messages follow the API server's:
 *   pods "x" is forbidden: failed quota: compute: must specify limits.cpu for: wordpress
 *   pods "x" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=1800m, limited: requests.cpu=2
 *   pods "x" is forbidden: maximum cpu usage per Container is 1, but limit is 2
 */
import type { KubeObject } from '../cluster-store.ts';
import { checkPodSecurity, enforcedVersion, enforcedLevel, formatPodSecurityError } from './pod-security.ts';
import { parseQuantity } from './quantity.ts';

type Resources = Record<string, string | number>;

interface ContainerLike {
  name: string;
  resources?: { requests?: Resources; limits?: Resources };
}

export interface AdmissionContext {
  /** Labels of the pod's namespace. */
  namespaceLabels: Record<string, string> | undefined;
  limitRanges: KubeObject[];
  resourceQuotas: KubeObject[];
  /** Pods already in the namespace (terminal ones are ignored). */
  pods: KubeObject[];
  pvcs?: KubeObject[];
}

export type AdmissionResult = { allowed: true; object: KubeObject } | { allowed: false; message: string };

const COMPUTE = ['cpu', 'memory'] as const;

export function formatQuantity(resource: string, value: number): string {
  if (resource.endsWith('cpu')) {
    return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
  }
  if (resource === 'pods' || resource.startsWith('count/') || resource === 'persistentvolumeclaims') return String(value);
  for (const [suffix, f] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (value >= f && value % f === 0) return `${value / f}${suffix}`;
  }
  return String(value);
}

function containersOf(pod: KubeObject): ContainerLike[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])] as ContainerLike[];
}

/** LimitRanger: fills defaults into a copy of the pod and checks Container min/max. */
function applyLimitRanges(pod: KubeObject, limitRanges: KubeObject[]): string | undefined {
  for (const lr of limitRanges) {
    for (const item of (lr.spec?.limits ?? []) as { type: string; default?: Resources; defaultRequest?: Resources; max?: Resources; min?: Resources }[]) {
      if (item.type !== 'Container') continue;
      const def: Resources = { ...(item.max ?? {}), ...(item.default ?? {}) };
      const defReq: Resources = { ...def, ...(item.defaultRequest ?? {}) };
      for (const c of containersOf(pod)) {
        const res = (c.resources ??= {});
        const userLimits = { ...(res.limits ?? {}) };
        for (const [r, v] of Object.entries(userLimits)) if (res.requests?.[r] === undefined) (res.requests ??= {})[r] = v;
        for (const [r, v] of Object.entries(def)) if (res.limits?.[r] === undefined) (res.limits ??= {})[r] = v;
        for (const [r, v] of Object.entries(defReq)) if (res.requests?.[r] === undefined) (res.requests ??= {})[r] = v;
        for (const [r, max] of Object.entries(item.max ?? {})) {
          const limit = res.limits?.[r];
          if (limit === undefined) return `maximum ${r} usage per Container is ${max}.  No limit is specified`;
          if (parseQuantity(limit) > parseQuantity(max)) return `maximum ${r} usage per Container is ${max}, but limit is ${limit}`;
        }
        for (const [r, min] of Object.entries(item.min ?? {})) {
          const request = res.requests?.[r];
          if (request === undefined) return `minimum ${r} usage per Container is ${min}.  No request is specified`;
          if (parseQuantity(request) < parseQuantity(min)) return `minimum ${r} usage per Container is ${min}, but request is ${request}`;
        }
      }
    }
  }
  return undefined;
}

/** Sum of a pod's effective requests/limits for a quota key (requests.cpu, limits.memory, cpu…). */
function podUsage(pod: KubeObject, key: string): number {
  if (key === 'pods') return 1;
  const [kind, resource] = key.includes('.') ? (key.split('.', 2) as [string, string]) : ['requests', key];
  const pick = (c: ContainerLike) => {
    const v = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[resource];
    return v === undefined ? 0 : parseQuantity(v);
  };
  const main = ((pod.spec?.containers ?? []) as ContainerLike[]).reduce((s, c) => s + pick(c), 0);
  const init = ((pod.spec?.initContainers ?? []) as ContainerLike[]).reduce((m, c) => Math.max(m, pick(c)), 0);
  return Math.max(main, init);
}

const POD_QUOTA_KEYS = (key: string) =>
  key === 'pods' || COMPUTE.includes(key as never) || /^(requests|limits)\.(cpu|memory)$/.test(key);

function isTerminal(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || !!pod.metadata.deletionTimestamp;
}

/** Usage of every quota key in a namespace (for ResourceQuota status and admission). */
export function quotaUsage(hard: Record<string, string | number>, pods: KubeObject[], pvcs: KubeObject[]): Record<string, number> {
  const used: Record<string, number> = {};
  for (const key of Object.keys(hard)) {
    if (POD_QUOTA_KEYS(key)) used[key] = pods.filter((p) => !isTerminal(p)).reduce((s, p) => s + podUsage(p, key), 0);
    else if (key === 'persistentvolumeclaims') used[key] = pvcs.length;
    else if (key === 'requests.storage') {
      used[key] = pvcs.reduce((s, p) => s + parseQuantity(p.spec?.resources?.requests?.storage ?? 0), 0);
    } else used[key] = 0;
  }
  return used;
}

function checkQuotas(pod: KubeObject, ctx: AdmissionContext): string | undefined {
  for (const quota of ctx.resourceQuotas) {
    const hard = (quota.spec?.hard ?? {}) as Record<string, string | number>;
    const missing: string[] = [];
    for (const key of Object.keys(hard).sort()) {
      if (key === 'pods' || !POD_QUOTA_KEYS(key)) continue;
      const [kind, resource] = key.includes('.') ? (key.split('.', 2) as [string, string]) : ['requests', key];
      const names = containersOf(pod)
        .filter((c) => (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[resource] === undefined)
        .map((c) => c.name);
      if (names.length) missing.push(`${key} for: ${names.join(',')}`);
    }
    if (missing.length) return `failed quota: ${quota.metadata.name}: must specify ${missing.join('; ')}`;
    const used = quotaUsage(hard, ctx.pods, []);
    const over: string[] = [];
    for (const [key, limit] of Object.entries(hard)) {
      if (!POD_QUOTA_KEYS(key)) continue;
      const requested = podUsage(pod, key);
      if ((used[key] ?? 0) + requested > parseQuantity(limit) + 1e-9) over.push(key);
    }
    if (over.length) {
      const fmt = (f: (k: string) => string) => over.map((k) => `${k}=${f(k)}`).join(',');
      return `exceeded quota: ${quota.metadata.name}, requested: ${fmt((k) => formatQuantity(k, podUsage(pod, k)))}, used: ${fmt((k) => formatQuantity(k, used[k] ?? 0))}, limited: ${fmt((k) => String(hard[k]))}`;
    }
  }
  return undefined;
}

/** Admits (and defaults) a pod, or refuses it with the API server's message. */
export function admitPod(input: KubeObject, ctx: AdmissionContext): AdmissionResult {
  const pod = structuredClone(input);
  const name = pod.metadata.name;
  const forbidden = (m: string): AdmissionResult => ({ allowed: false, message: `pods ${JSON.stringify(name)} is forbidden: ${m}` });
  const lr = applyLimitRanges(pod, ctx.limitRanges);
  if (lr) return forbidden(lr);
  const level = enforcedLevel(ctx.namespaceLabels);
  const version = ctx.namespaceLabels?.['pod-security.kubernetes.io/enforce-version'];
  const violations = checkPodSecurity(pod, level, enforcedVersion(ctx.namespaceLabels));
  if (violations.length) return { allowed: false, message: formatPodSecurityError(name, violations, level, /^v1\.\d+$/.test(version ?? '') ? version : 'latest') };
  const q = checkQuotas(pod, ctx);
  if (q) return forbidden(q);
  return { allowed: true, object: pod };
}

/** ResourceQuota admission for a new PersistentVolumeClaim. */
export function admitPersistentVolumeClaim(pvc: KubeObject, quotas: KubeObject[], existing: KubeObject[]): string | undefined {
  for (const quota of quotas) {
    const hard = (quota.spec?.hard ?? {}) as Record<string, string | number>;
    const used = quotaUsage(hard, [], existing);
    const requested: Record<string, number> = {
      persistentvolumeclaims: 1,
      'requests.storage': parseQuantity(pvc.spec?.resources?.requests?.storage ?? 0),
    };
    const over = Object.keys(requested).filter((k) => hard[k] !== undefined && (used[k] ?? 0) + (requested[k] ?? 0) > parseQuantity(hard[k] as string));
    if (over.length) {
      const fmt = (f: (k: string) => string) => over.map((k) => `${k}=${f(k)}`).join(',');
      return `persistentvolumeclaims ${JSON.stringify(pvc.metadata.name)} is forbidden: exceeded quota: ${quota.metadata.name}, requested: ${fmt((k) => formatQuantity(k, requested[k] ?? 0))}, used: ${fmt((k) => formatQuantity(k, used[k] ?? 0))}, limited: ${fmt((k) => String(hard[k]))}`;
    }
  }
  return undefined;
}

/**
 * ResourceQuota on a claim's update: Kubernetes' quota evaluator handles PVC updates too, charging the
 * growth of `requests.storage` (the delta is what it calls "requested") against the live quota.
 */
export function admitPersistentVolumeClaimUpdate(old: KubeObject, next: KubeObject, quotas: KubeObject[], existing: KubeObject[]): string | undefined {
  const delta = parseQuantity(next.spec?.resources?.requests?.storage ?? 0) - parseQuantity(old.spec?.resources?.requests?.storage ?? 0);
  if (delta <= 0) return undefined;
  for (const quota of quotas) {
    const hard = (quota.spec?.hard ?? {}) as Record<string, string | number>;
    if (hard['requests.storage'] === undefined) continue;
    const used = quotaUsage(hard, [], existing)['requests.storage'] ?? 0;
    if (used + delta > parseQuantity(hard['requests.storage'] as string))
      return `persistentvolumeclaims ${JSON.stringify(next.metadata.name)} is forbidden: exceeded quota: ${quota.metadata.name}, requested: requests.storage=${formatQuantity('requests.storage', delta)}, used: requests.storage=${formatQuantity('requests.storage', used)}, limited: requests.storage=${String(hard['requests.storage'])}`;
  }
  return undefined;
}
