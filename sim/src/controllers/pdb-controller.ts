/**
 * PodDisruptionBudget status as the disruption controller computes it (kubernetes
 * pkg/controller/disruption): expected pods from the selector, healthy = Ready pods, desiredHealthy
 * from minAvailable / maxUnavailable (integer or percentage, rounded up), disruptionsAllowed, and the
 * DisruptionAllowed condition (SufficientPods / InsufficientPods).
 */
import type { KubeObject } from '../cluster-store.ts';
import { kubeTime } from '../cluster-store.ts';
import { matchesSelector, type LabelSelector } from '../label-selector.ts';
import type { Controller, ControllerContext } from './controller.ts';

function scaled(v: unknown, total: number): number {
  if (typeof v === 'string' && v.endsWith('%')) return Math.ceil((Number(v.slice(0, -1)) * total) / 100);
  return Number(v ?? 0);
}

const ready = (p: KubeObject) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

export class PodDisruptionBudgetController implements Controller {
  readonly name = 'poddisruptionbudget';
  readonly #c: ControllerContext;

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reconcile(): void {
    for (const pdb of this.#c.store.list('policy/v1', 'PodDisruptionBudget')) {
      if (pdb.metadata.deletionTimestamp) continue;
      const selector = pdb.spec?.selector as LabelSelector | undefined;
      // policy/v1: a null selector selects no pods, an empty one every pod of the namespace.
      const pods = selector ? this.#c.store.list('v1', 'Pod', { namespace: pdb.metadata.namespace }).filter((p) => matchesSelector(selector, p.metadata.labels)) : [];
      const expected = pods.length;
      const healthy = pods.filter(ready).length;
      const desired = pdb.spec?.minAvailable !== undefined ? scaled(pdb.spec.minAvailable, expected) : Math.max(0, expected - scaled(pdb.spec?.maxUnavailable, expected));
      const allowed = Math.max(0, healthy - desired);
      const old = pdb.status?.conditions?.[0] as { status?: string; lastTransitionTime?: string } | undefined;
      const status = allowed > 0 ? 'True' : 'False';
      const next = {
        observedGeneration: pdb.metadata.generation,
        expectedPods: expected,
        currentHealthy: healthy,
        desiredHealthy: desired,
        disruptionsAllowed: allowed,
        conditions: [
          {
            type: 'DisruptionAllowed',
            status,
            reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
            message: '',
            observedGeneration: pdb.metadata.generation,
            lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : kubeTime(this.#c.now()),
          },
        ],
      };
      const was = pdb.status;
      if (was && was.currentHealthy === healthy && was.expectedPods === expected && was.desiredHealthy === desired && was.observedGeneration === pdb.metadata.generation) continue;
      this.#c.store.setStatus(pdb, next);
    }
  }
}
