/**
 * Named sets of sim timings. `healthy-cluster` stands for a healthy real cluster (k3s on a good node,
 * images already pulled, a local-path provisioner, cert-manager with a reachable ACME server), scaled
 * down 10× so a benchmark of many stores finishes — the same scale applies to the deadlines written in
 * specs (`timeScale` 0.1: a Deployment's 600 s progress deadline is 60 s), so no step is relatively
 * faster or slower than on the real cluster.
 *
 * Unscaled figures it starts from: a pod scheduled → containers running ≈ 10 s (image cached); running
 * → Ready ≈ 30 s (MySQL initialises, WordPress' readiness probe passes); a setup Job ≈ 30 s; a PVC bound
 * ≈ 3 s; an Ingress address ≈ 5 s; a certificate ≈ 30 s; a namespace terminated ≈ 10 s.
 */
import type { KubeletTimings } from './kubelet.ts';

export const TIMING_PROFILES = {
  'healthy-cluster': {
    podStartMs: 1000,
    podReadyMs: 3000,
    jobCompleteMs: 3000,
    pvcBindMs: 300,
    ingressAddressMs: 500,
    certificateReadyMs: 3000,
    namespaceTerminationMs: 1000,
    timeScale: 0.1,
  },
} as const satisfies Record<string, Partial<KubeletTimings>>;

export type TimingProfile = keyof typeof TIMING_PROFILES;

/** A profile's timings, or the given ones. */
export function resolveTimings(t: Partial<KubeletTimings> | TimingProfile | undefined): Partial<KubeletTimings> {
  return typeof t === 'string' ? { ...TIMING_PROFILES[t] } : (t ?? {});
}
