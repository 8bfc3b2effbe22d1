/**
 * ResourceQuota object counts, as the quota admission plugin checks them on create: `services`,
 * `services.loadbalancers`, `services.nodeports`, `secrets`, `configmaps`, `persistentvolumeclaims`,
 * `resourcequotas`, and `count/<resource>[.<group>]`. Message as the API server words it:
 *   services "x" is forbidden: exceeded quota: q, requested: services=1, used: services=4, limited: services=4
 */
import type { KubeObject } from '../cluster-store.ts';
import { kindInfo } from '../kinds.ts';
import { parseQuantity } from './quantity.ts';

const LEGACY: Record<string, string> = {
  services: 'v1/Service',
  secrets: 'v1/Secret',
  configmaps: 'v1/ConfigMap',
  persistentvolumeclaims: 'v1/PersistentVolumeClaim',
  resourcequotas: 'v1/ResourceQuota',
};

/** How much of a quota key one object uses (0 when the key is not about it). */
export function objectCountUsage(key: string, o: KubeObject): number {
  const kindKey = `${o.apiVersion}/${o.kind}`;
  if (LEGACY[key] === kindKey) return 1;
  if (key === 'services.loadbalancers') return kindKey === 'v1/Service' && o.spec?.type === 'LoadBalancer' ? 1 : 0;
  if (key === 'services.nodeports') {
    if (kindKey !== 'v1/Service' || (o.spec?.type !== 'NodePort' && o.spec?.type !== 'LoadBalancer')) return 0;
    return ((o.spec?.ports ?? []) as unknown[]).length;
  }
  if (key.startsWith('count/')) {
    const info = kindInfo(o.apiVersion, o.kind);
    if (!info) return 0;
    const resource = info.group ? `${info.plural}.${info.group}` : info.plural;
    return key === `count/${resource}` ? 1 : 0;
  }
  return 0;
}

export function isObjectCountKey(key: string): boolean {
  return key in LEGACY || key === 'services.loadbalancers' || key === 'services.nodeports' || key.startsWith('count/');
}

/**
 * Checks a new object against the quotas of its namespace; `existing` are the namespace's objects.
 * Returns the API server's refusal or undefined.
 */
export function admitObjectCount(o: KubeObject, quotas: readonly KubeObject[], existing: readonly KubeObject[]): string | undefined {
  for (const quota of quotas) {
    const hard = (quota.spec?.hard ?? {}) as Record<string, string | number>;
    const over: { key: string; requested: number; used: number }[] = [];
    for (const key of Object.keys(hard).sort()) {
      if (!isObjectCountKey(key) || key === 'persistentvolumeclaims') continue;
      const requested = objectCountUsage(key, o);
      if (!requested) continue;
      const used = existing.reduce((s, e) => s + objectCountUsage(key, e), 0);
      if (used + requested > parseQuantity(hard[key] as string)) over.push({ key, requested, used });
    }
    if (over.length) {
      const info = kindInfo(o.apiVersion, o.kind);
      const res = info ? (info.group ? `${info.plural}.${info.group}` : info.plural) : o.kind.toLowerCase();
      return `${res} ${JSON.stringify(o.metadata.name)} is forbidden: exceeded quota: ${quota.metadata.name}, requested: ${over.map((x) => `${x.key}=${x.requested}`).join(',')}, used: ${over.map((x) => `${x.key}=${x.used}`).join(',')}, limited: ${over.map((x) => `${x.key}=${hard[x.key]}`).join(',')}`;
    }
  }
  return undefined;
}
