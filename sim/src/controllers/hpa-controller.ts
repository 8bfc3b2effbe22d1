/** HorizontalPodAutoscaler status from its scale target (no metrics: desired = max(min, current)). */
import { kubeTime } from '../cluster-store.ts';
import type { Controller, ControllerContext } from './controller.ts';

export class HorizontalPodAutoscalerController implements Controller {
  readonly name = 'horizontalpodautoscaler';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const hpa of this.#c.store.list('autoscaling/v2', 'HorizontalPodAutoscaler')) {
      const ref = hpa.spec?.scaleTargetRef ?? {};
      const target = this.#c.store.get(`${ref.apiVersion ?? 'apps/v1'}`, ref.kind ?? 'Deployment', hpa.metadata.namespace, ref.name ?? '');
      const now = kubeTime(this.#c.now());
      const current = target?.status?.replicas ?? 0;
      const status = target
        ? {
            currentReplicas: current,
            desiredReplicas: Math.max(hpa.spec?.minReplicas ?? 1, current),
            conditions: [
              { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size', lastTransitionTime: now },
              { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)', lastTransitionTime: now },
            ],
          }
        : {
            currentReplicas: 0,
            desiredReplicas: 0,
            conditions: [{ type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${(ref.kind ?? 'deployments').toLowerCase()}s.apps "${ref.name}" not found`, lastTransitionTime: now }],
          };
      const old = hpa.status;
      if (old && old.currentReplicas === status.currentReplicas && old.desiredReplicas === status.desiredReplicas && old.conditions?.[0]?.status === status.conditions[0]?.status) continue;
      this.#c.store.setStatus(hpa, status);
    }
  }
}
