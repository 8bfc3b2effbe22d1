/**
 * Resource health the way Argo CD computes it, and the app-level roll-up.
 *
 * Sources (Argo CD 3.x / gitops-engine):
 * - Built-in checks, gitops-engine pkg/health: health_deployment.go, health_statefulset.go,
 *   health_job.go, health_pod.go, health_pvc.go, health_service.go, health_ingress.go, health_hpa.go.
 *   Kinds without a check (ConfigMap, Secret, ServiceAccount, Role, Namespace…) have no health and do
 *   not count in the roll-up.
 * - Lua checks shipped with Argo CD, resource_customizations/: bitnami.com/SealedSecret/health.lua,
 *   cert-manager.io/Certificate/health.lua.
 * - argoproj.io/Application has no health check by default since Argo CD 1.8 (app-of-apps children
 *   do not affect the parent), https://argo-cd.readthedocs.io/en/stable/operator-manual/health/
 * - Roll-up: the app is as unhealthy as its worst resource, order Healthy < Suspended < Progressing <
 *   Missing < Degraded < Unknown (gitops-engine health.IsWorse); hooks are ignored.
 */
import type { KubeObject } from './cluster-store.ts';

export type HealthStatus = 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';

export interface Health {
  status: HealthStatus;
  message?: string;
}

const ORDER: HealthStatus[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

export function isWorse(current: HealthStatus, candidate: HealthStatus): boolean {
  return ORDER.indexOf(candidate) > ORDER.indexOf(current);
}

type Cond = { type: string; status: string; reason?: string; message?: string };

function conditions(o: KubeObject): Cond[] {
  return (o.status?.conditions ?? []) as Cond[];
}

function deployment(o: KubeObject): Health {
  if (o.spec?.paused) return { status: 'Suspended', message: 'Deployment is paused' };
  const s = o.status ?? {};
  if ((o.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const progressing = conditions(o).find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      return { status: 'Degraded', message: `Deployment ${JSON.stringify(o.metadata.name)} exceeded its progress deadline` };
    }
    const replicas: number = o.spec?.replicas ?? 1;
    const updated: number = s.updatedReplicas ?? 0;
    if (updated < replicas) {
      return { status: 'Progressing', message: `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...` };
    }
    if ((s.replicas ?? 0) > updated) {
      return { status: 'Progressing', message: `Waiting for rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
    }
    if ((s.availableReplicas ?? 0) < updated) {
      return { status: 'Progressing', message: `Waiting for rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
    }
    return { status: 'Healthy' };
  }
  return { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' };
}

function statefulSet(o: KubeObject): Health {
  const s = o.status ?? {};
  if ((s.observedGeneration ?? 0) === 0 || (o.metadata.generation ?? 0) > s.observedGeneration) {
    return { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' };
  }
  const replicas: number = o.spec?.replicas ?? 1;
  if ((s.readyReplicas ?? 0) < replicas) {
    return { status: 'Progressing', message: `Waiting for ${replicas - (s.readyReplicas ?? 0)} pods to be ready...` };
  }
  return { status: 'Healthy', message: `statefulset rolling update complete ${s.currentReplicas ?? replicas} pods at revision ${s.updateRevision ?? ''}...` };
}

function job(o: KubeObject): Health {
  for (const c of conditions(o)) {
    if (c.status !== 'True') continue;
    if (c.type === 'Failed') return { status: 'Degraded', message: c.message };
    if (c.type === 'Complete') return { status: 'Healthy', message: c.message };
    if (c.type === 'Suspended') return { status: 'Suspended', message: c.message };
  }
  return { status: 'Progressing' };
}

function pod(o: KubeObject): Health {
  const s = o.status ?? {};
  for (const cs of (s.containerStatuses ?? []) as { state?: { waiting?: { reason?: string; message?: string } } }[]) {
    const w = cs.state?.waiting;
    if (w?.reason && (w.reason.startsWith('Err') || w.reason.endsWith('Error') || w.reason.endsWith('BackOff'))) {
      return { status: 'Degraded', message: w.message };
    }
  }
  switch (s.phase) {
    case 'Succeeded':
      return { status: 'Healthy', message: s.message };
    case 'Failed':
      return { status: 'Degraded', message: s.message };
    case 'Running': {
      const ready = conditions(o).some((c) => c.type === 'Ready' && c.status === 'True');
      if (o.spec?.restartPolicy === 'Always' || o.spec?.restartPolicy === undefined) {
        return ready ? { status: 'Healthy', message: s.message } : { status: 'Progressing', message: s.message };
      }
      return { status: 'Progressing', message: s.message };
    }
    default:
      return { status: 'Progressing', message: s.message };
  }
}

function pvc(o: KubeObject): Health {
  switch (o.status?.phase) {
    case 'Lost':
      return { status: 'Degraded' };
    case 'Pending':
      return { status: 'Progressing' };
    case 'Bound':
      return { status: 'Healthy' };
    default:
      return { status: 'Unknown' };
  }
}

function service(o: KubeObject): Health {
  if (o.spec?.type === 'LoadBalancer' && !o.status?.loadBalancer?.ingress?.length) return { status: 'Progressing' };
  return { status: 'Healthy' };
}

function ingress(o: KubeObject): Health {
  return o.status?.loadBalancer?.ingress?.length ? { status: 'Healthy' } : { status: 'Progressing' };
}

function hpa(o: KubeObject): Health {
  const failed = conditions(o).find((c) => c.status === 'False' && (c.type === 'AbleToScale' || (c.type === 'ScalingActive' && c.reason?.startsWith('Failed'))));
  if (failed) return { status: 'Degraded', message: failed.message };
  if (!o.status) return { status: 'Progressing', message: 'Waiting to Autoscale' };
  return { status: 'Healthy' };
}

/** resource_customizations/bitnami.com/SealedSecret/health.lua */
function sealedSecret(o: KubeObject): Health {
  if (o.status?.observedGeneration !== undefined && o.status.observedGeneration !== o.metadata.generation) {
    return { status: 'Progressing', message: 'Waiting for Sealed Secret to be decrypted' };
  }
  for (const c of conditions(o)) {
    if (c.type === 'Synced' && c.status === 'False') return { status: 'Degraded', message: c.message };
    if (c.type === 'Synced' && c.status === 'True') return { status: 'Healthy', message: c.message };
  }
  return { status: 'Progressing', message: 'Waiting for Sealed Secret to be decrypted' };
}

/** resource_customizations/cert-manager.io/Certificate/health.lua */
function certificate(o: KubeObject): Health {
  const cs = conditions(o);
  const issuing = cs.find((c) => c.type === 'Issuing' && c.status === 'True');
  if (issuing) return { status: 'Progressing', message: issuing.message };
  for (const c of cs) {
    if (c.type === 'Ready' && c.status === 'False') return { status: 'Degraded', message: c.message };
    if (c.type === 'Ready' && c.status === 'True') return { status: 'Healthy', message: c.message };
  }
  return { status: 'Progressing', message: 'Waiting for certificate' };
}

/** Health of one live resource, or undefined when Argo CD has no check for its kind. */
export function resourceHealth(o: KubeObject): Health | undefined {
  if (o.metadata.deletionTimestamp && o.kind !== 'Namespace') return { status: 'Progressing', message: 'Pending deletion' };
  switch (`${o.apiVersion}/${o.kind}`) {
    case 'apps/v1/Deployment':
      return deployment(o);
    case 'apps/v1/StatefulSet':
      return statefulSet(o);
    case 'batch/v1/Job':
      return job(o);
    case 'v1/Pod':
      return pod(o);
    case 'v1/PersistentVolumeClaim':
      return pvc(o);
    case 'v1/Service':
      return service(o);
    case 'networking.k8s.io/v1/Ingress':
      return ingress(o);
    case 'autoscaling/v2/HorizontalPodAutoscaler':
      return hpa(o);
    case 'bitnami.com/v1alpha1/SealedSecret':
      return sealedSecret(o);
    case 'cert-manager.io/v1/Certificate':
      return certificate(o);
    default:
      return undefined;
  }
}

/**
 * App health from its resources: desired-but-absent ones are Missing; resources without a health check
 * are ignored; the worst wins. No resource with health → Healthy.
 */
export function rollUpHealth(entries: { live: KubeObject | undefined }[]): Health {
  let worst: Health = { status: 'Healthy' };
  for (const e of entries) {
    const h: Health | undefined = e.live ? resourceHealth(e.live) : { status: 'Missing' };
    if (h && isWorse(worst.status, h.status)) worst = h;
  }
  return worst;
}
