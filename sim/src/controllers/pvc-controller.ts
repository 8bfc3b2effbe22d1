/**
 * PVC Bound after `pvcBindMs` (k3s local-path, Immediate binding). A bound claim whose request grew (the
 * API server admitted it: its class allows expansion) gets the new capacity, as an online CSI expansion
 * ends.
 */
import type { KubeObject } from '../cluster-store.ts';
import { parseQuantity } from '../admission/quantity.ts';
import type { Controller, ControllerContext } from './controller.ts';

export class PersistentVolumeClaimController implements Controller {
  readonly name = 'persistentvolumeclaim';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const pvc of this.#c.store.list('v1', 'PersistentVolumeClaim')) {
      if (pvc.metadata.deletionTimestamp) continue;
      if (pvc.status?.phase === 'Bound') {
        this.#expand(pvc);
        continue;
      }
      if (this.#c.age(pvc) < this.#c.t.pvcBindMs) {
        if (pvc.status?.phase !== 'Pending') this.#c.store.setStatus(pvc, { phase: 'Pending' });
        continue;
      }
      this.#c.store.setStatus(pvc, {
        phase: 'Bound',
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        capacity: { storage: String(pvc.spec?.resources?.requests?.storage ?? '1Gi') },
      });
    }
  }

  #expand(pvc: KubeObject): void {
    const wanted = pvc.spec?.resources?.requests?.storage;
    const capacity = pvc.status?.capacity?.storage;
    if (wanted === undefined || capacity === undefined || parseQuantity(String(wanted)) <= parseQuantity(String(capacity))) return;
    this.#c.store.setStatus(pvc, { ...pvc.status, capacity: { ...pvc.status?.capacity, storage: String(wanted) } });
  }
}
