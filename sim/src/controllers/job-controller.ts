/**
 * Job → one pod at a time; Complete after the pod succeeds, Failed (BackoffLimitExceeded) when its
 * pods fail more than `backoffLimit` times (kubernetes pkg/controller/job).
 */
import { kubeTime } from '../cluster-store.ts';
import { suffix, type Controller, type ControllerContext } from './controller.ts';

export class JobController implements Controller {
  readonly name = 'job';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const job of this.#c.store.list('batch/v1', 'Job')) {
      if (job.metadata.deletionTimestamp) continue;
      const conditions = (job.status?.conditions ?? []) as { type: string; status: string }[];
      if (conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) continue;
      if (job.spec?.suspend) continue;
      const pods = this.#c.ownedPods(job);
      const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
      const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
      const active = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
      const backoffLimit: number = job.spec?.backoffLimit ?? 6;
      const now = kubeTime(this.#c.now());
      const startTime = job.status?.startTime ?? now;
      if (succeeded >= (job.spec?.completions ?? 1)) {
        this.#c.store.setStatus(job, {
          startTime,
          completionTime: now,
          succeeded,
          ...(failed ? { failed } : {}),
          ready: 0,
          conditions: [
            { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now, lastTransitionTime: now },
            { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now, lastTransitionTime: now },
          ],
        });
        continue;
      }
      if (failed > backoffLimit) {
        for (const p of pods) if (p.status?.phase !== 'Failed') this.#c.store.delete('v1', 'Pod', p.metadata.namespace, p.metadata.name);
        this.#c.store.setStatus(job, {
          startTime,
          failed,
          ...(succeeded ? { succeeded } : {}),
          conditions: [
            { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now },
            { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now },
          ],
        });
        continue;
      }
      if (active === 0) {
        const failure = this.#c.createPod(
          job,
          `${job.metadata.name}-${suffix()}`,
          job.spec?.template,
          {
            'batch.kubernetes.io/job-name': job.metadata.name,
            'job-name': job.metadata.name,
            'batch.kubernetes.io/controller-uid': job.metadata.uid as string,
            'controller-uid': job.metadata.uid as string,
          },
          `${job.metadata.name}-`,
        );
        if (failure) this.#c.event(job, 'Warning', 'FailedCreate', `Error creating: ${failure}`, 'job-controller');
      }
      this.#c.store.setStatus(job, { startTime, active: this.#c.ownedPods(job).filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length, ...(failed ? { failed } : {}), ...(succeeded ? { succeeded } : {}), ready: 0 });
    }
  }
}
