/**
 * Health cases transcribed from Argo CD v3.5.1's own test data (argoproj/argo-cd at tag v3.5.1):
 * gitops-engine/pkg/health/health_test.go with gitops-engine/pkg/health/testdata/*.yaml, and
 * resource_customizations/<group>/<Kind>/health_test.yaml with its testdata/*.yaml. Each case keeps only
 * the fields the check reads (status, the spec fields it looks at, annotations), written as our own
 * objects, and names the upstream file it stands for. `message` is asserted where upstream asserts one.
 *
 * Left out (kinds the sim does not serve): apiservice-*, daemonset-*, knative-service, Argo Workflows;
 * the v2beta1/v2beta2 HPA files were dropped upstream in 3.5.
 */
import type { HealthStatus } from '../../src/health.ts';

export interface HealthCase {
  upstream: string;
  object: Record<string, any>;
  /** undefined: upstream expects no health (the kind has no check). */
  status: HealthStatus | undefined;
  message?: string;
}

const meta = (extra: Record<string, unknown> = {}) => ({ name: 'x', namespace: 'default', ...extra });
const pod = (restartPolicy: string, status: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: meta(metadata), spec: { restartPolicy, containers: [{ name: 'main', image: 'x' }] }, status });
const cond = (type: string, status: string, reason?: string, message?: string) => ({ type, status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) });
const podConds = (ready: boolean, reason?: string) => [cond('Initialized', 'True'), cond('Ready', ready ? 'True' : 'False', reason), cond('PodScheduled', 'True')];
const waiting = (reason: string, message?: string) => ({ name: 'main', ready: false, state: { waiting: { reason, ...(message ? { message } : {}) } } });
const terminatedError = { exitCode: 1, reason: 'Error', startedAt: '2018-12-02T09:19:41Z', finishedAt: '2018-12-02T09:19:41Z' };

const deploymentStatus = { availableReplicas: 1, observedGeneration: 4, readyReplicas: 1, replicas: 2, unavailableReplicas: 1, updatedReplicas: 1 };
const deployment = (spec: Record<string, unknown>, progressing: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta({ generation: 4 }),
  spec: { replicas: 1, ...spec },
  status: { ...deploymentStatus, conditions: [cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'), progressing] },
});
const hpa = (apiVersion: string, body: Record<string, unknown>) => ({ apiVersion, kind: 'HorizontalPodAutoscaler', metadata: meta(), ...body });
const hpaV1 = (conditions: unknown[] | undefined) => hpa('autoscaling/v1', conditions ? { metadata: meta({ annotations: { 'autoscaling.alpha.kubernetes.io/conditions': JSON.stringify(conditions) } }) } : {});
const job = (conditions: unknown[]) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta(), spec: {}, status: { conditions } });
const cronJob = (spec: Record<string, unknown>, status: Record<string, unknown> | undefined) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta(), spec: { schedule: '*/1 * * * *', ...spec }, ...(status ? { status } : {}) });
const pdb = (status: Record<string, unknown> | undefined) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(), spec: { minAvailable: 1 }, ...(status ? { status } : {}) });
const cert = (conditions: unknown[] | undefined) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta({ generation: 1 }), spec: {}, ...(conditions ? { status: { conditions } } : {}) });
const sealed = (conditions: unknown[] | undefined) => ({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: meta({ generation: 1 }), spec: {}, ...(conditions ? { status: { observedGeneration: 1, conditions } } : {}) });
const svc = (type: string, loadBalancer: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta(), spec: { type }, status: { loadBalancer } });
const ingress = (loadBalancer: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta({ generation: 1 }), spec: {}, status: { loadBalancer } });
const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta({ generation: 1 }), spec: { replicas: 1, updateStrategy: { type: 'OnDelete' } }, status: { currentReplicas: 1, currentRevision: 'redis-master-7b8f75b98', observedGeneration: 1, readyReplicas: 1, replicas: 1, updateRevision: 'redis-master-7b8f75b98' } };

const T = 'gitops-engine/pkg/health/testdata';
const RC = 'resource_customizations';

export const HEALTH_CASES: HealthCase[] = [
  // TestDeploymentHealth
  {
    upstream: 'gitops-engine/pkg/utils/kube/testdata/nginx.yaml',
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta({ generation: 1 }), spec: { replicas: 1 }, status: { availableReplicas: 1, observedGeneration: 1, readyReplicas: 1, replicas: 1, updatedReplicas: 1, conditions: [cond('Progressing', 'True', 'NewReplicaSetAvailable'), cond('Available', 'True', 'MinimumReplicasAvailable')] } },
    status: 'Healthy',
  },
  { upstream: `${T}/deployment-progressing.yaml`, object: deployment({}, cond('Progressing', 'True', 'ReplicaSetUpdated')), status: 'Progressing', message: 'Waiting for rollout to finish: 1 old replicas are pending termination...' },
  { upstream: `${T}/deployment-suspended.yaml`, object: deployment({ paused: true }, cond('Progressing', 'True', 'ReplicaSetUpdated')), status: 'Suspended', message: 'Deployment is paused' },
  { upstream: `${T}/deployment-degraded.yaml`, object: deployment({}, cond('Progressing', 'False', 'ProgressDeadlineExceeded')), status: 'Degraded', message: 'Deployment "x" exceeded its progress deadline' },
  // TestStatefulSetHealth, TestStatefulSetOnDeleteHealth
  { upstream: `${T}/statefulset.yaml`, object: sts, status: 'Healthy', message: 'statefulset has 1 ready pods' },
  { upstream: `${T}/statefulset-ondelete.yaml`, object: sts, status: 'Healthy' },
  // TestPVCHealth
  { upstream: `${T}/pvc-bound.yaml`, object: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(), spec: {}, status: { phase: 'Bound', capacity: { storage: '2Gi' } } }, status: 'Healthy' },
  { upstream: `${T}/pvc-pending.yaml`, object: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(), spec: {}, status: { phase: 'Pending' } }, status: 'Progressing' },
  // TestServiceHealth
  { upstream: `${T}/svc-clusterip.yaml`, object: svc('ClusterIP', {}), status: 'Healthy' },
  { upstream: `${T}/svc-loadbalancer.yaml`, object: svc('LoadBalancer', { ingress: [{ hostname: 'abc123.us-west-2.elb.amazonaws.com' }] }), status: 'Healthy' },
  { upstream: `${T}/svc-loadbalancer-unassigned.yaml`, object: svc('LoadBalancer', {}), status: 'Progressing' },
  { upstream: `${T}/svc-loadbalancer-nonemptylist.yaml`, object: svc('LoadBalancer', { ingress: [{}] }), status: 'Healthy' },
  // TestIngressHealth
  { upstream: `${T}/ingress.yaml`, object: ingress({ ingress: [{ ip: '1.2.3.4' }] }), status: 'Healthy' },
  { upstream: `${T}/ingress-unassigned.yaml`, object: ingress({}), status: 'Progressing' },
  { upstream: `${T}/ingress-nonemptylist.yaml`, object: ingress({ ingress: [{}] }), status: 'Healthy' },
  // TestCRD, TestApplication: no built-in check
  { upstream: `${T}/knative-service.yaml (as any CRD without a check)`, object: { apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Service', metadata: meta(), status: {} }, status: undefined },
  { upstream: `${T}/application-healthy.yaml`, object: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: meta(), status: { health: { status: 'Healthy' } } }, status: undefined },
  { upstream: `${T}/application-degraded.yaml`, object: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: meta(), status: { health: { status: 'Degraded' } } }, status: undefined },
  // TestJob
  { upstream: `${T}/job-running.yaml`, object: job([]), status: 'Progressing' },
  { upstream: `${T}/job-failed.yaml`, object: job([cond('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')]), status: 'Degraded', message: 'Job has reached the specified backoff limit' },
  { upstream: `${T}/job-succeeded.yaml`, object: job([cond('Complete', 'True')]), status: 'Healthy' },
  { upstream: `${T}/job-suspended.yaml`, object: job([cond('Suspended', 'True', 'JobSuspended', 'Job suspended')]), status: 'Suspended' },
  // TestHPA
  { upstream: `${T}/hpa-v2-healthy.yaml`, object: hpa('autoscaling/v2', { status: { conditions: [cond('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size'), cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'False', 'DesiredWithinRange')] } }), status: 'Healthy', message: 'recommended size matches current size' },
  { upstream: `${T}/hpa-v2-degraded.yaml`, object: hpa('autoscaling/v2', { status: { conditions: [cond('AbleToScale', 'False', 'FailedGetScale', "the HPA controller was unable to get the target's current scale"), cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'False', 'DesiredWithinRange')] } }), status: 'Degraded' },
  { upstream: `${T}/hpa-v2-progressing.yaml`, object: hpa('autoscaling/v2', { status: { conditions: [cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'False', 'DesiredWithinRange')] } }), status: 'Progressing', message: 'Waiting to Autoscale' },
  { upstream: `${T}/hpa-v1-degraded.yaml`, object: hpaV1([cond('AbleToScale', 'True', 'FailedGetScale'), cond('ScalingActive', 'False', 'FailedGetResourceMetric')]), status: 'Degraded' },
  { upstream: `${T}/hpa-v1-degraded-failedgetobjectmetric.yaml`, object: hpaV1([cond('AbleToScale', 'True', 'SucceededGetScale'), cond('ScalingActive', 'False', 'FailedGetObjectMetric', 'the HPA was unable to compute the replica count')]), status: 'Degraded', message: 'the HPA was unable to compute the replica count' },
  { upstream: `${T}/hpa-v1-healthy.yaml`, object: hpaV1([cond('AbleToScale', 'True', 'ScaleDownStabilized'), cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'False', 'DesiredWithinRange')]), status: 'Healthy' },
  { upstream: `${T}/hpa-v1-healthy-toofew.yaml`, object: hpaV1([cond('AbleToScale', 'True', 'ReadyForNewScale'), cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'True', 'TooFewReplicas')]), status: 'Healthy' },
  { upstream: `${T}/hpa-v1-progressing.yaml`, object: hpaV1([cond('AbleToScale', 'False', 'SucceededGetScale')]), status: 'Progressing' },
  { upstream: `${T}/hpa-v1-progressing-with-no-annotations.yaml`, object: hpaV1(undefined), status: 'Progressing' },
  // TestPod
  { upstream: `${T}/pod-pending.yaml`, object: pod('Always', { phase: 'Pending', conditions: podConds(false, 'ContainersNotReady'), containerStatuses: [waiting('PodInitializing')] }), status: 'Progressing' },
  { upstream: `${T}/pod-running-not-ready.yaml`, object: pod('Always', { phase: 'Running', conditions: podConds(false, 'ContainersNotReady'), containerStatuses: [{ name: 'main', ready: false, state: { running: { startedAt: '2018-12-02T10:30:59Z' } }, lastState: {} }] }), status: 'Progressing' },
  {
    upstream: `${T}/pod-crashloop.yaml`,
    object: pod('Always', { phase: 'Running', conditions: podConds(false, 'ContainersNotReady'), containerStatuses: [{ ...waiting('CrashLoopBackOff', 'Back-off 40s restarting failed container=main pod=my-pod_argocd'), lastState: { terminated: terminatedError } }] }),
    status: 'Degraded',
    message: 'Back-off 40s restarting failed container=main pod=my-pod_argocd',
  },
  { upstream: `${T}/pod-imagepullbackoff.yaml`, object: pod('Always', { phase: 'Pending', conditions: podConds(false, 'ContainersNotReady'), containerStatuses: [waiting('ImagePullBackOff', 'Back-off pulling image "gcr.io/heptio-images/ks-guestbook-demo:0.3"')] }), status: 'Degraded' },
  { upstream: `${T}/pod-error.yaml`, object: pod('Always', { phase: 'Running', conditions: podConds(false, 'ContainersNotReady'), containerStatuses: [{ name: 'main', ready: false, state: { terminated: terminatedError }, lastState: { terminated: terminatedError } }] }), status: 'Degraded' },
  { upstream: `${T}/pod-running-restart-always.yaml`, object: pod('Always', { phase: 'Running', conditions: podConds(true), containerStatuses: [{ name: 'main', ready: true, state: { running: {} }, lastState: {} }] }), status: 'Healthy' },
  { upstream: `${T}/pod-running-restart-never.yaml`, object: pod('Never', { phase: 'Running', conditions: podConds(true), containerStatuses: [{ name: 'main', ready: true, state: { running: {} }, lastState: {} }] }), status: 'Progressing' },
  {
    upstream: `${T}/pod-running-restart-onfailure.yaml`,
    object: pod('OnFailure', { phase: 'Running', conditions: podConds(false, 'ContainersNotReady'), containerStatuses: [{ ...waiting('CrashLoopBackOff', 'Back-off 1m20s restarting failed container=main'), lastState: { terminated: terminatedError } }] }),
    status: 'Progressing',
  },
  { upstream: `${T}/pod-failed.yaml`, object: pod('Never', { phase: 'Failed', conditions: podConds(false, 'ContainersNotReady'), containerStatuses: [{ name: 'main', ready: false, state: { terminated: terminatedError } }] }), status: 'Degraded', message: 'container "main" failed with exit code 1' },
  { upstream: `${T}/pod-succeeded.yaml`, object: pod('Never', { phase: 'Succeeded', conditions: podConds(false, 'PodCompleted'), containerStatuses: [{ name: 'main', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), status: 'Healthy' },
  { upstream: `${T}/pod-deletion.yaml`, object: pod('Always', { phase: 'Pending', conditions: podConds(false, 'ContainersNotReady'), containerStatuses: [waiting('PodInitializing')] }, { deletionTimestamp: '2018-12-03T10:16:04Z' }), status: 'Progressing', message: 'Pending deletion' },
  // resource_customizations/batch/CronJob/health_test.yaml
  { upstream: `${RC}/batch/CronJob/testdata/healthy.yaml`, object: cronJob({}, { lastScheduleTime: '2025-07-30T13:42:00Z', lastSuccessfulTime: '2025-07-30T13:44:19Z' }), status: 'Healthy', message: 'CronJob has completed its last execution successfully' },
  { upstream: `${RC}/batch/CronJob/testdata/never-scheduled.yaml`, object: cronJob({}, {}), status: 'Healthy', message: 'CronJob has not been scheduled yet' },
  { upstream: `${RC}/batch/CronJob/testdata/degraded.yaml`, object: cronJob({}, { lastScheduleTime: '2025-07-30T13:46:00Z', lastSuccessfulTime: '2025-07-30T13:44:19Z' }), status: 'Degraded', message: 'CronJob has not completed its last execution successfully' },
  { upstream: `${RC}/batch/CronJob/testdata/never-succeeded.yaml`, object: cronJob({}, { lastScheduleTime: '2025-07-30T13:46:00Z' }), status: 'Healthy', message: 'The CronJob never completed successfully. It may not be healthy' },
  {
    upstream: `${RC}/batch/CronJob/testdata/active.yaml`,
    object: cronJob({}, { active: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'hello-29231490' }], lastScheduleTime: '2025-07-30T13:46:00Z', lastSuccessfulTime: '2025-07-30T13:44:19Z' }),
    status: 'Healthy',
    message: 'The job is running. Its last execution may not have been successful',
  },
  { upstream: `${RC}/batch/CronJob/testdata/suspended.yaml`, object: cronJob({ suspend: true }, { lastScheduleTime: '2025-07-30T13:46:00Z', lastSuccessfulTime: '2025-07-30T13:44:19Z' }), status: 'Healthy', message: 'CronJob is Suspended' },
  // resource_customizations/policy/PodDisruptionBudget/health_test.yaml
  { upstream: `${RC}/policy/PodDisruptionBudget/testdata/healthy.yaml`, object: pdb({ conditions: [cond('DisruptionAllowed', 'True', 'SufficientPods')], currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1, expectedPods: 2 }), status: 'Healthy', message: 'PodDisruptionBudget has SufficientPods' },
  { upstream: `${RC}/policy/PodDisruptionBudget/testdata/progressing.yaml`, object: pdb(undefined), status: 'Progressing', message: 'Waiting for status' },
  {
    upstream: `${RC}/policy/PodDisruptionBudget/testdata/degraded.yaml`,
    object: pdb({ conditions: [cond('DisruptionAllowed', 'False', 'InsufficientPods'), cond('DisruptionAllowed', 'False', 'SyncFailed')], currentHealthy: 2, desiredHealthy: 3, disruptionsAllowed: 0, expectedPods: 2 }),
    status: 'Degraded',
    message: 'PodDisruptionBudget has SyncFailed',
  },
  // resource_customizations/bitnami.com/SealedSecret/health_test.yaml
  { upstream: `${RC}/bitnami.com/SealedSecret/testdata/progressing.yaml`, object: sealed(undefined), status: 'Progressing', message: 'Waiting for Sealed Secret to be decrypted' },
  { upstream: `${RC}/bitnami.com/SealedSecret/testdata/degraded.yaml`, object: sealed([cond('Synced', 'False', undefined, 'no key could decrypt secret (.dockerconfigjson)')]), status: 'Degraded', message: 'no key could decrypt secret (.dockerconfigjson)' },
  { upstream: `${RC}/bitnami.com/SealedSecret/testdata/healthy.yaml`, object: sealed([cond('Synced', 'True')]), status: 'Healthy' },
  // resource_customizations/cert-manager.io/Certificate/health_test.yaml (upstream objects are v1alpha2; the check is per group/kind)
  { upstream: `${RC}/cert-manager.io/Certificate/testdata/progressing_noStatus.yaml`, object: cert(undefined), status: 'Progressing', message: 'Waiting for certificate' },
  {
    upstream: `${RC}/cert-manager.io/Certificate/testdata/progressing_issuing.yaml`,
    object: cert([cond('Issuing', 'True', 'DoesNotExist', 'Issuing certificate as Secret does not exist'), cond('Ready', 'False', 'DoesNotExist', 'Issuing certificate as Secret does not exist')]),
    status: 'Progressing',
    message: 'Issuing certificate as Secret does not exist',
  },
  {
    upstream: `${RC}/cert-manager.io/Certificate/testdata/progressing_issuing_last.yaml`,
    object: cert([cond('Ready', 'False', 'DoesNotExist', 'Issuing certificate as Secret does not exist'), cond('Issuing', 'True', 'DoesNotExist', 'Issuing certificate as Secret does not exist')]),
    status: 'Progressing',
    message: 'Issuing certificate as Secret does not exist',
  },
  {
    upstream: `${RC}/cert-manager.io/Certificate/testdata/degraded_configError.yaml`,
    object: cert([cond('Ready', 'False', 'ConfigError', 'Resource validation failed: spec.acme.config: Required value: no ACME solver configuration specified for domain "cd.apps.argoproj.io"')]),
    status: 'Degraded',
    message: 'Resource validation failed: spec.acme.config: Required value: no ACME solver configuration specified for domain "cd.apps.argoproj.io"',
  },
  { upstream: `${RC}/cert-manager.io/Certificate/testdata/healthy_issued.yaml`, object: cert([cond('ValidateFailed', 'False', 'OrderValidated', 'Order validated'), cond('Ready', 'True', 'CertIssued', 'Certificate issued successfully')]), status: 'Healthy', message: 'Certificate issued successfully' },
  { upstream: `${RC}/cert-manager.io/Certificate/testdata/healthy_renewed.yaml`, object: cert([cond('Ready', 'True', 'CertRenewed', 'Certificate renewed successfully'), cond('ValidateFailed', 'False', 'OrderValidated', 'Order validated')]), status: 'Healthy', message: 'Certificate renewed successfully' },
];

const failedJob = job([cond('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')]);
const runningPod = pod('Always', { phase: 'Running', conditions: podConds(true), containerStatuses: [{ name: 'main', ready: true, state: { running: {} } }] });
const annotate = (o: Record<string, any>, annotations: Record<string, string>) => ({ ...o, metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), ...annotations } } });

/** App roll-up cases: argo-cd v3.5.1 controller/health_test.go (TestSetApplicationHealth*). `live: undefined` = desired, not live. */
export const ROLL_UP_CASES: { upstream: string; entries: { live: Record<string, any> | undefined }[]; status: HealthStatus }[] = [
  { upstream: 'TestSetApplicationHealth (failed Job)', entries: [{ live: runningPod }, { live: failedJob }], status: 'Degraded' },
  { upstream: 'TestSetApplicationHealth (the Job a PreSync hook)', entries: [{ live: runningPod }, { live: annotate(failedJob, { 'argocd.argoproj.io/hook': 'PreSync' }) }], status: 'Healthy' },
  { upstream: 'TestSetApplicationHealth (testdata/job-failed-ignore-healthcheck.yaml)', entries: [{ live: runningPod }, { live: annotate(failedJob, { 'argocd.argoproj.io/ignore-healthcheck': 'true' }) }], status: 'Healthy' },
  { upstream: 'TestSetApplicationHealth_NoResource', entries: [], status: 'Healthy' },
  { upstream: 'TestSetApplicationHealth_OnlyHooks', entries: [{ live: annotate(runningPod, { 'argocd.argoproj.io/hook': 'Sync' }) }], status: 'Healthy' },
  { upstream: 'TestSetApplicationHealth_MissingResource', entries: [{ live: undefined }, { live: runningPod }], status: 'Healthy' },
  { upstream: 'TestSetApplicationHealth_MissingResource_WithIgnoreHealthcheck', entries: [{ live: undefined }, { live: annotate(runningPod, { 'argocd.argoproj.io/ignore-healthcheck': 'true' }) }], status: 'Healthy' },
  { upstream: 'TestSetApplicationHealth_MissingResource_WithChildApp', entries: [{ live: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: meta(), status: { health: { status: 'Unknown' } } } }, { live: undefined }], status: 'Healthy' },
  { upstream: 'TestSetApplicationHealth_AllMissingResources', entries: [{ live: undefined }, { live: undefined }], status: 'Missing' },
  { upstream: 'TestSetApplicationHealth_AllMissingResources_WithHooks', entries: [{ live: undefined }, { live: annotate(runningPod, { 'argocd.argoproj.io/hook': 'Sync' }) }], status: 'Missing' },
];
