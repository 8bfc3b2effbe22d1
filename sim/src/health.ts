/**
 * Resource health the way Argo CD computes it, and the app-level roll-up.
 *
 * Follows Argo CD v3.5.1 (gitops-engine now lives in the argo-cd repository, gitops-engine/pkg/health);
 * the cases it is checked against are listed in sim/README.md and transcribed in sim/test/health-fixtures/.
 *
 * Sources:
 * - Built-in checks, gitops-engine pkg/health: health_deployment.go, health_statefulset.go,
 *   health_job.go, health_pod.go, health_pvc.go, health_service.go, health_ingress.go, health_hpa.go.
 *   A check that cannot read its object gives Unknown, never an exception (GetResourceHealth).
 *   Kinds without a check (ConfigMap, Secret, ServiceAccount, Role, Namespace…) have no health and do
 *   not count in the roll-up.
 * - Lua checks shipped with Argo CD, resource_customizations/: bitnami.com/SealedSecret/health.lua,
 *   cert-manager.io/Certificate/health.lua, batch/CronJob/health.lua, policy/PodDisruptionBudget/health.lua.
 * - argoproj.io/Application has no health check by default since Argo CD 1.8 (app-of-apps children
 *   do not affect the parent), https://argo-cd.readthedocs.io/en/stable/operator-manual/health/
 * - Roll-up (controller/health.go setApplicationHealth): the app is as unhealthy as its worst resource,
 *   order Healthy < Suspended < Progressing < Missing < Degraded < Unknown (health.IsWorse); hooks and
 *   resources annotated `argocd.argoproj.io/ignore-healthcheck: "true"` are left out; a desired resource
 *   that is not live does not count (Argo CD >= 3.4, argo-cd#25962: OutOfSync already says so) unless
 *   none of the app's resources is live, then the app is Missing.
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

/** health_statefulset.go (kubectl rollout status): partitions, OnDelete, revisions. */
function statefulSet(o: KubeObject): Health {
  const s = o.status ?? {};
  if ((s.observedGeneration ?? 0) === 0 || (o.metadata.generation ?? 0) > s.observedGeneration) {
    return { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' };
  }
  // The API server defaults spec.replicas to 1.
  const replicas: number = o.spec?.replicas ?? 1;
  if ((s.readyReplicas ?? 0) < replicas) {
    return { status: 'Progressing', message: `Waiting for ${replicas - (s.readyReplicas ?? 0)} pods to be ready...` };
  }
  const strategy = o.spec?.updateStrategy ?? {};
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) {
    const partition: number | undefined = strategy.rollingUpdate.partition;
    if (partition !== undefined && (s.updatedReplicas ?? 0) < replicas - partition) {
      return { status: 'Progressing', message: `Waiting for partitioned roll out to finish: ${s.updatedReplicas ?? 0} out of ${replicas - partition} new pods have been updated...` };
    }
    return { status: 'Healthy', message: `partitioned roll out complete: ${s.updatedReplicas ?? 0} new pods have been updated...` };
  }
  if (strategy.type === 'OnDelete') return { status: 'Healthy', message: `statefulset has ${s.readyReplicas ?? 0} ready pods` };
  if (s.updateRevision !== s.currentRevision) {
    return { status: 'Progressing', message: `waiting for statefulset rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision ?? ''}...` };
  }
  return { status: 'Healthy', message: `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision ?? ''}...` };
}

/** health_job.go (v3.5.1): any Failed / Complete / Suspended condition ends the Job, whatever its status. */
function job(o: KubeObject): Health {
  let failed = false;
  let complete = false;
  let suspended = false;
  let failMessage: string | undefined;
  let message: string | undefined;
  for (const c of conditions(o)) {
    if (c.type === 'Failed') {
      failed = true;
      complete = true;
      failMessage = c.message;
    } else if (c.type === 'Complete') {
      complete = true;
      message = c.message;
    } else if (c.type === 'Suspended') {
      complete = true;
      message = c.message;
      if (c.status === 'True') suspended = true;
    }
  }
  if (!complete) return { status: 'Progressing', message };
  if (failed) return { status: 'Degraded', message: failMessage };
  if (suspended) return { status: 'Suspended', message: failMessage };
  return { status: 'Healthy', message };
}

type ContainerStatus = {
  name?: string;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; message?: string; exitCode?: number } };
  lastState?: { terminated?: unknown };
};

function pod(o: KubeObject): Health {
  const s = o.status ?? {};
  // The API server defaults restartPolicy to Always.
  const policy: string = o.spec?.restartPolicy ?? 'Always';
  const statuses = (s.containerStatuses ?? []) as ContainerStatus[];
  // Only for long-running pods: a hook pod in back-off must not fail its hook early (health_pod.go).
  if (policy === 'Always') {
    const messages: string[] = [];
    for (const cs of statuses) {
      const w = cs.state?.waiting;
      if (w?.reason && (w.reason.startsWith('Err') || w.reason.endsWith('Error') || w.reason.endsWith('BackOff'))) messages.push(w.message ?? '');
    }
    if (messages.length) return { status: 'Degraded', message: messages.join(', ') };
  }
  const failMessage = (cs: ContainerStatus): string => {
    const t = cs.state?.terminated;
    if (!t) return '';
    if (t.message) return t.message;
    if (t.reason === 'OOMKilled') return t.reason;
    if (t.exitCode) return `container ${JSON.stringify(cs.name ?? '')} failed with exit code ${t.exitCode}`;
    return '';
  };
  switch (s.phase) {
    case 'Pending':
      return { status: 'Progressing', message: s.message };
    case 'Succeeded':
      return { status: 'Healthy', message: s.message };
    case 'Failed': {
      if (s.message) return { status: 'Degraded', message: s.message };
      for (const cs of [...((s.initContainerStatuses ?? []) as ContainerStatus[]), ...statuses]) {
        const m = failMessage(cs);
        if (m) return { status: 'Degraded', message: m };
      }
      return { status: 'Degraded', message: '' };
    }
    case 'Running': {
      if (policy !== 'Always') return { status: 'Progressing', message: s.message };
      if (conditions(o).some((c) => c.type === 'Ready' && c.status === 'True')) return { status: 'Healthy', message: s.message };
      // Not ready after a container terminated: it is restarting, not starting.
      if (statuses.some((cs) => cs.lastState?.terminated)) return { status: 'Degraded', message: s.message };
      return { status: 'Progressing', message: s.message };
    }
    default:
      return { status: 'Unknown', message: s.message };
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

const HPA_DEGRADED: readonly [string, string][] = [
  ['AbleToScale', 'FailedGetScale'],
  ['AbleToScale', 'FailedUpdateScale'],
  ['ScalingActive', 'FailedGetResourceMetric'],
  ['ScalingActive', 'FailedGetObjectMetric'],
  ['ScalingActive', 'FailedGetPodsMetric'],
  ['ScalingActive', 'FailedGetExternalMetric'],
  ['ScalingActive', 'FailedComputeMetricsReplicas'],
  ['ScalingActive', 'InvalidSelector'],
];

/** health_hpa.go: a known failure reason is Degraded, AbleToScale or ScalingLimited True is Healthy, else Progressing. */
function hpa(o: KubeObject): Health {
  const cs = o.apiVersion === 'autoscaling/v1' ? hpaV1Conditions(o) : conditions(o);
  const degraded = cs.find((c) => HPA_DEGRADED.some(([type, reason]) => c.type === type && c.reason === reason));
  if (degraded) return { status: 'Degraded', message: degraded.message };
  const healthy = cs.find((c) => (c.type === 'AbleToScale' || c.type === 'ScalingLimited') && c.status === 'True');
  if (healthy) return { status: 'Healthy', message: healthy.message };
  return { status: 'Progressing', message: 'Waiting to Autoscale' };
}

/** autoscaling/v1 keeps its conditions in an annotation. */
function hpaV1Conditions(o: KubeObject): Cond[] {
  try {
    const parsed = JSON.parse(o.metadata.annotations?.['autoscaling.alpha.kubernetes.io/conditions'] ?? '[]');
    return Array.isArray(parsed) ? (parsed as Cond[]) : [];
  } catch {
    return [];
  }
}

/** resource_customizations/batch/CronJob/health.lua (v3.5.1: a suspended CronJob is Healthy, argo-cd#24428). */
function cronJob(o: KubeObject): Health {
  if (o.spec?.suspend === true) return { status: 'Healthy', message: 'CronJob is Suspended' };
  const s = o.status;
  if (!s) return { status: 'Progressing', message: 'Waiting for CronJob' };
  if (!s.lastScheduleTime) return { status: 'Healthy', message: 'CronJob has not been scheduled yet' };
  if (!s.lastSuccessfulTime) return { status: 'Healthy', message: 'The CronJob never completed successfully. It may not be healthy' };
  if (Array.isArray(s.active) && s.active.length) return { status: 'Healthy', message: 'The job is running. Its last execution may not have been successful' };
  // RFC 3339 times of one format compare as strings, as the Lua check compares them.
  if (String(s.lastSuccessfulTime) < String(s.lastScheduleTime)) return { status: 'Degraded', message: 'CronJob has not completed its last execution successfully' };
  return { status: 'Healthy', message: 'CronJob has completed its last execution successfully' };
}

/** resource_customizations/policy/PodDisruptionBudget/health.lua (InsufficientPods is not Degraded, argo-cd#20171). */
function podDisruptionBudget(o: KubeObject): Health {
  let h: Health = { status: 'Progressing', message: 'Waiting for status' };
  for (const c of conditions(o)) {
    if (c.status === 'False' && c.reason !== 'InsufficientPods') return { status: 'Degraded', message: `PodDisruptionBudget has ${c.reason}` };
    h = { status: 'Healthy', message: `PodDisruptionBudget has ${c.reason}` };
  }
  return h;
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
  if (!o || typeof o !== 'object') return undefined;
  if (o.metadata?.deletionTimestamp && o.kind !== 'Namespace') return { status: 'Progressing', message: 'Pending deletion' };
  const check = CHECKS[`${o.apiVersion}/${o.kind}`];
  if (!check) return undefined;
  try {
    // A check reads the object as its typed form would be: absent metadata is empty metadata.
    return check({ ...o, metadata: o.metadata && typeof o.metadata === 'object' ? o.metadata : ({} as KubeObject['metadata']) });
  } catch (err) {
    return { status: 'Unknown', message: (err as Error).message };
  }
}

const CHECKS: Record<string, (o: KubeObject) => Health> = {
  'apps/v1/Deployment': deployment,
  'apps/v1/StatefulSet': statefulSet,
  'batch/v1/Job': job,
  'batch/v1/CronJob': cronJob,
  'v1/Pod': pod,
  'v1/PersistentVolumeClaim': pvc,
  'v1/Service': service,
  'networking.k8s.io/v1/Ingress': ingress,
  'autoscaling/v1/HorizontalPodAutoscaler': hpa,
  'autoscaling/v2/HorizontalPodAutoscaler': hpa,
  'policy/v1/PodDisruptionBudget': podDisruptionBudget,
  'bitnami.com/v1alpha1/SealedSecret': sealedSecret,
  'cert-manager.io/v1/Certificate': certificate,
};

export const IGNORE_HEALTHCHECK = 'argocd.argoproj.io/ignore-healthcheck';

function isHook(o: KubeObject): boolean {
  const a = o.metadata?.annotations ?? {};
  return a['argocd.argoproj.io/hook'] !== undefined || a['helm.sh/hook'] !== undefined;
}

/**
 * App health from its resources (desired ones, live or not, and live ones left to prune), as
 * setApplicationHealth computes it in Argo CD v3.5.1. No resource with health → Healthy.
 */
export function rollUpHealth(entries: { live: KubeObject | undefined }[]): Health {
  let worst: Health = { status: 'Healthy' };
  let counted = false;
  let anyLive = false;
  for (const { live } of entries) {
    if (live && isHook(live)) continue;
    counted = true;
    if (!live) continue; // Missing does not degrade the app: OutOfSync already tells
    anyLive = true;
    if (live.metadata?.annotations?.[IGNORE_HEALTHCHECK] === 'true') continue;
    const h = resourceHealth(live);
    if (h && isWorse(worst.status, h.status)) worst = h;
  }
  if (counted && !anyLive && isWorse(worst.status, 'Missing')) return { status: 'Missing' };
  return worst;
}
