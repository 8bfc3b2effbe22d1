/** PVC Bound after `pvcBindMs` (k3s local-path, Immediate binding). */
import type { Controller, ControllerContext } from './controller.ts';

export class PersistentVolumeClaimController implements Controller {
  readonly name = 'persistentvolumeclaim';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const pvc of this.#c.store.list('v1', 'PersistentVolumeClaim')) {
      if (pvc.status?.phase === 'Bound' || pvc.metadata.deletionTimestamp) continue;
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
}
