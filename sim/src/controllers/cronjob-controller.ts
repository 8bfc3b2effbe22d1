/**
 * CronJob: the controller writes an (empty) status once it has seen the CronJob, which Argo CD's
 * CronJob health check reads as "not been scheduled yet" (Healthy). The sim does not run schedules:
 * a CronJob never creates Jobs here (listed in sim/README.md).
 */
import type { Controller, ControllerContext } from './controller.ts';

export class CronJobController implements Controller {
  readonly name = 'cronjob';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const cj of this.#c.store.list('batch/v1', 'CronJob')) {
      if (cj.metadata.deletionTimestamp || cj.status) continue;
      this.#c.store.setStatus(cj, {});
    }
  }
}
