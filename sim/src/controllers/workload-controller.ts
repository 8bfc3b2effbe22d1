/**
 * Deployment / StatefulSet → pods (admitted like the API server does: LimitRange, Pod Security,
 * ResourceQuota; a refused pod leaves ReplicaFailure/FailedCreate on the Deployment), status with
 * Available/Progressing conditions and ProgressDeadlineExceeded after `progressDeadlineSeconds`
 * (scaled by `timeScale`). Deployments roll by replacing pods (no surge).
 */
import { kubeTime } from '../cluster-store.ts';
import { hashOf, suffix, type Controller, type ControllerContext } from './controller.ts';

export class WorkloadController implements Controller {
  readonly name = 'workload';
  readonly #c: ControllerContext;
  /** Last progress of each Deployment (by uid:generation). */
  #progressAt = new Map<string, number>();
  #failedCreate = new Map<string, string>();

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reset(): void {
    this.#progressAt.clear();
    this.#failedCreate.clear();
  }

  reconcile(): void {
    this.#reconcileKind('Deployment');
    this.#reconcileKind('StatefulSet');
  }

  #reconcileKind(kind: 'Deployment' | 'StatefulSet'): void {
    for (const d of this.#c.store.list('apps/v1', kind)) {
      if (d.metadata.deletionTimestamp) continue;
      const uid = d.metadata.uid as string;
      const replicas: number = d.spec?.paused ? 0 : (d.spec?.replicas ?? 1);
      const hash = hashOf(d.spec?.template);
      const rsName = `${d.metadata.name}-${hash}`;
      const progressKey = `${uid}:${hash}`;
      if (!this.#progressAt.has(progressKey)) this.#progressAt.set(progressKey, this.#c.now());
      let pods = this.#c.ownedPods(d);
      // Replace pods of an older template (Recreate-like; good enough for a simulation).
      for (const p of pods) {
        if (p.metadata.labels?.['pod-template-hash'] !== hash && p.metadata.labels?.['controller-revision-hash'] !== `${d.metadata.name}-${hash}`) {
          this.#c.store.delete('v1', 'Pod', p.metadata.namespace, p.metadata.name);
        }
      }
      pods = this.#c.ownedPods(d).filter((p) => !p.metadata.deletionTimestamp);
      let failure: string | undefined;
      if (!d.spec?.paused) {
        for (let i = 0; pods.length < replicas && i < replicas; i++) {
          const name = kind === 'StatefulSet' ? `${d.metadata.name}-${pods.length}` : `${rsName}-${suffix()}`;
          const labels: Record<string, string> =
            kind === 'StatefulSet'
              ? { 'controller-revision-hash': `${d.metadata.name}-${hash}`, 'statefulset.kubernetes.io/pod-name': name }
              : { 'pod-template-hash': hash };
          failure = this.#c.createPod(d, name, d.spec?.template, labels, kind === 'Deployment' ? `${rsName}-` : undefined);
          if (failure) break;
          // Scaling up the newest ReplicaSet is progress (Kubernetes' "Progressing deployment"): a scale
          // from zero (a resumed store) gets its own deadline, not what is left of the first rollout's.
          this.#progressAt.set(progressKey, this.#c.now());
          pods = this.#c.ownedPods(d).filter((p) => !p.metadata.deletionTimestamp);
        }
        for (const extra of pods.slice(replicas)) this.#c.store.delete('v1', 'Pod', extra.metadata.namespace, extra.metadata.name);
        pods = pods.slice(0, replicas);
      }
      if (failure) {
        this.#failedCreate.set(uid, failure);
        this.#c.event(d, 'Warning', 'FailedCreate', `Error creating: ${failure}`, kind === 'Deployment' ? 'replicaset-controller' : 'statefulset-controller');
      }
      else if (pods.length >= replicas) this.#failedCreate.delete(uid);
      const ready = pods.filter((p) => p.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')).length;
      const prevReady = d.status?.readyReplicas ?? 0;
      if (ready > prevReady) this.#progressAt.set(progressKey, this.#c.now());
      const complete = ready >= replicas && pods.length === replicas;
      const deadlineSeconds: number = d.spec?.progressDeadlineSeconds ?? 600;
      const timedOut = !complete && this.#c.now() - (this.#progressAt.get(progressKey) as number) > deadlineSeconds * 1000 * this.#c.t.timeScale;
      const now = kubeTime(this.#c.now());
      const prev = (d.status?.conditions ?? []) as { type: string; status: string; reason?: string; lastTransitionTime?: string }[];
      const cond = (type: string, status: string, reason: string, message: string) => {
        const old = prev.find((c) => c.type === type);
        const same = old && old.status === status && old.reason === reason;
        return { type, status, reason, message, lastUpdateTime: same ? (old as { lastUpdateTime?: string }).lastUpdateTime ?? now : now, lastTransitionTime: old && old.status === status ? old.lastTransitionTime ?? now : now };
      };
      const maxUnavailable = kind === 'Deployment' ? Math.floor(replicas * 0.25) : 0;
      const conditions = [];
      if (kind === 'Deployment') {
        conditions.push(
          ready >= replicas - maxUnavailable
            ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
            : cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        );
        conditions.push(
          complete
            ? cond('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
            : timedOut
              ? cond('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`)
              : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
        );
        const fc = this.#failedCreate.get(uid);
        if (fc) conditions.push(cond('ReplicaFailure', 'True', 'FailedCreate', fc));
      }
      const status: Record<string, unknown> = {
        observedGeneration: d.metadata.generation,
        replicas: pods.length,
        updatedReplicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(kind === 'Deployment' ? { unavailableReplicas: Math.max(0, replicas - ready) } : { currentReplicas: pods.length, currentRevision: `${d.metadata.name}-${hash}`, updateRevision: `${d.metadata.name}-${hash}` }),
        ...(conditions.length ? { conditions } : {}),
      };
      if (kind === 'StatefulSet' && this.#failedCreate.get(uid)) status.conditions = [cond('FailedCreate', 'True', 'FailedCreate', this.#failedCreate.get(uid) as string)];
      if (!ready) delete status.readyReplicas;
      if (!ready) delete status.availableReplicas;
      this.#c.store.setStatus(d, status);
    }
  }
}
