/**
 * The simulated kubelet and built-in controllers (kwok-style: real objects, simulated nodes):
 * - Namespace: Active; on delete Terminating — contents deleted — gone after `namespaceTerminationMs`.
 * - Deployment / StatefulSet → pods (admitted like the API server does: LimitRange, Pod Security,
 *   ResourceQuota; a refused pod leaves ReplicaFailure/FailedCreate on the Deployment), status with
 *   Available/Progressing conditions and ProgressDeadlineExceeded after `progressDeadlineSeconds`
 *   (scaled by `timeScale`).
 * - Pods: ContainerCreating → Running after `podStartMs` → Ready after `podReadyMs`; Pending while a
 *   PVC is unbound; `CreateContainerConfigError` while a referenced Secret/ConfigMap or key is missing;
 *   faults: CrashLoopBackOff (restartCount grows), ErrImagePull/ImagePullBackOff.
 * - Job → one pod at a time; Complete after `jobCompleteMs`, Failed (BackoffLimitExceeded) when its
 *   pods fail more than `backoffLimit` times.
 * - PVC Bound after `pvcBindMs`; Ingress gets a load-balancer address after `ingressAddressMs`;
 *   cert-manager: annotated Ingresses get Certificates, Ready after `certificateReadyMs`, with their
 *   TLS Secret; HPA and ResourceQuota get their status.
 */
import type { ClusterStore } from './cluster-store.ts';
import type { Faults } from './faults.ts';
import { ControllerContext, type Controller } from './controllers/controller.ts';
import { NamespaceController } from './controllers/namespace-controller.ts';
import { WorkloadController } from './controllers/workload-controller.ts';
import { JobController } from './controllers/job-controller.ts';
import { PodController } from './controllers/pod-controller.ts';
import { PersistentVolumeClaimController } from './controllers/pvc-controller.ts';
import { IngressController } from './controllers/ingress-controller.ts';
import { CertificateController } from './controllers/certificate-controller.ts';
import { HorizontalPodAutoscalerController } from './controllers/hpa-controller.ts';
import { ResourceQuotaController } from './controllers/resourcequota-controller.ts';
import { CronJobController } from './controllers/cronjob-controller.ts';
import { PodDisruptionBudgetController } from './controllers/pdb-controller.ts';

export interface KubeletTimings {
  /** ms from pod scheduled to containers running. */
  podStartMs: number;
  /** ms from running to Ready. */
  podReadyMs: number;
  /** ms a Job's pod runs before it succeeds. */
  jobCompleteMs: number;
  pvcBindMs: number;
  ingressAddressMs: number;
  certificateReadyMs: number;
  namespaceTerminationMs: number;
  /** Multiplies durations written in seconds in specs (progressDeadlineSeconds, back-offs). */
  timeScale: number;
  /** Address Ingresses get (k3s Traefik publishes the node IP). */
  ingressAddress: string;
}

export const DEFAULT_TIMINGS: KubeletTimings = {
  podStartMs: 2000,
  podReadyMs: 3000,
  jobCompleteMs: 3000,
  pvcBindMs: 500,
  ingressAddressMs: 1000,
  certificateReadyMs: 2000,
  namespaceTerminationMs: 2000,
  timeScale: 0.1,
  ingressAddress: '127.0.0.1',
};

/** The kubelet and the built-in controllers, run in this order on every pass. */
export class Kubelet {
  t: KubeletTimings;
  readonly controllers: readonly Controller[];

  constructor(store: ClusterStore, faults: Faults, timings: Partial<KubeletTimings> = {}, now: () => number = Date.now) {
    this.t = { ...DEFAULT_TIMINGS, ...timings };
    const c = new ControllerContext(store, faults, () => this.t, now);
    this.controllers = [
      new NamespaceController(c),
      new WorkloadController(c),
      new JobController(c),
      new CronJobController(c),
      new PodController(c),
      new PersistentVolumeClaimController(c),
      new IngressController(c),
      new CertificateController(c),
      new HorizontalPodAutoscalerController(c),
      new PodDisruptionBudgetController(c),
      new ResourceQuotaController(c),
    ];
  }

  reset(): void {
    for (const c of this.controllers) c.reset?.();
  }

  /** One pass of every controller. */
  reconcile(): void {
    for (const c of this.controllers) c.reconcile();
  }
}
