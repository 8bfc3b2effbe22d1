/** ResourceQuota status: hard and used (compute, storage and object counts). */
import { quotaUsage, formatQuantity } from '../admission/pod-admission.ts';
import { isObjectCountKey, objectCountUsage } from '../admission/object-count-quota.ts';
import type { Controller, ControllerContext } from './controller.ts';

export class ResourceQuotaController implements Controller {
  readonly name = 'resourcequota';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const q of this.#c.store.list('v1', 'ResourceQuota')) {
      const hard = (q.spec?.hard ?? {}) as Record<string, string | number>;
      const ns = q.metadata.namespace;
      const used = quotaUsage(hard, this.#c.store.list('v1', 'Pod', { namespace: ns }), this.#c.store.list('v1', 'PersistentVolumeClaim', { namespace: ns }));
      const inNamespace = this.#c.store.listNamespace(ns as string);
      for (const key of Object.keys(hard)) {
        if (isObjectCountKey(key) && key !== 'persistentvolumeclaims') used[key] = inNamespace.reduce((sum, o) => sum + objectCountUsage(key, o), 0);
      }
      this.#c.store.setStatus(q, {
        hard: Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, String(v)])),
        used: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, formatQuantity(k, v)])),
      });
    }
  }
}
