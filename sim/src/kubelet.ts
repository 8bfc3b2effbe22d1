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
import { createHash, randomBytes } from 'node:crypto';
import type { ClusterStore, KubeObject } from './cluster-store.ts';
import { kubeTime } from './cluster-store.ts';
import { admitPod, quotaUsage, formatQuantity } from './admission/pod-admission.ts';
import { isObjectCountKey, objectCountUsage } from './admission/object-count-quota.ts';
import type { Faults } from './faults.ts';

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

const ENGINE = 'containerd://';

const hashes = new WeakMap<object, string>();

/** Short hash of a value (memoised for stored objects, which are immutable). */
function hashOf(v: unknown): string {
  if (v && typeof v === 'object') {
    const cached = hashes.get(v);
    if (cached) return cached;
    const h = createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 10);
    hashes.set(v, h);
    return h;
  }
  return createHash('sha256').update(JSON.stringify(v ?? null)).digest('hex').slice(0, 10);
}

function suffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

interface ContainerSpec {
  name: string;
  image?: string;
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  envFrom?: { secretRef?: { name: string; optional?: boolean }; configMapRef?: { name: string; optional?: boolean } }[];
}

export class Kubelet {
  readonly #store: ClusterStore;
  readonly #faults: Faults;
  readonly #now: () => number;
  t: KubeletTimings;
  /** When each pod became schedulable / its config resolvable (by uid). */
  #startAt = new Map<string, number>();
  /** Last progress of each Deployment (by uid:generation). */
  #progressAt = new Map<string, number>();
  #failedCreate = new Map<string, string>();

  constructor(store: ClusterStore, faults: Faults, timings: Partial<KubeletTimings> = {}, now: () => number = Date.now) {
    this.#store = store;
    this.#faults = faults;
    this.#now = now;
    this.t = { ...DEFAULT_TIMINGS, ...timings };
  }

  /**
   * Records a core/v1 Event the way controllers do (one per involved object + reason, its `count`
   * growing on repeats), so `kubectl get events` explains what the statuses only hint at.
   */
  #event(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const ns = involved.metadata.namespace;
    if (!ns || !this.#namespaceActive(ns)) return;
    // Similar events (same object and reason) are combined, as the event correlator does.
    const name = `${involved.metadata.name}.${hashOf(`${involved.metadata.uid}|${reason}`)}`;
    const now = kubeTime(this.#now());
    const existing = this.#store.get('v1', 'Event', ns, name);
    if (existing) {
      if (this.#now() - Date.parse(existing.lastTimestamp as string) < 10_000 * this.t.timeScale * 10) return;
      this.#store.put({ ...existing, message, count: ((existing.count as number) ?? 1) + 1, lastTimestamp: now });
      return;
    }
    this.#store.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: { apiVersion: involved.apiVersion, kind: involved.kind, name: involved.metadata.name, namespace: ns, uid: involved.metadata.uid },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component },
      reportingComponent: component,
    });
  }

  reset(): void {
    this.#startAt.clear();
    this.#progressAt.clear();
    this.#failedCreate.clear();
  }

  /** One pass of every controller. */
  reconcile(): void {
    this.#namespaces();
    this.#workloads('Deployment');
    this.#workloads('StatefulSet');
    this.#jobs();
    this.#pods();
    this.#pvcs();
    this.#ingresses();
    this.#certificates();
    this.#hpas();
    this.#quotas();
  }

  #age(o: KubeObject): number {
    return this.#now() - this.#store.createdMs(o);
  }

  // ---- namespaces ---------------------------------------------------------------------------

  #namespaces(): void {
    for (const ns of this.#store.list('v1', 'Namespace')) {
      if (!ns.metadata.deletionTimestamp) {
        if (ns.status?.phase !== 'Active') this.#store.setStatus(ns, { phase: 'Active' });
        continue;
      }
      for (const o of this.#store.listNamespace(ns.metadata.name)) {
        if (o.metadata.finalizers?.length && o.kind !== 'Application') {
          this.#store.patchMetadata(o, (m) => {
            m.finalizers = [];
            m.deletionTimestamp ??= kubeTime(this.#now());
          });
        }
        this.#store.delete(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
      }
      const since = this.#startAt.get(`ns:${ns.metadata.uid}`) ?? this.#now();
      this.#startAt.set(`ns:${ns.metadata.uid}`, since);
      if (this.#now() - since >= this.t.namespaceTerminationMs && this.#store.listNamespace(ns.metadata.name).length === 0) {
        this.#startAt.delete(`ns:${ns.metadata.uid}`);
        this.#store.remove(ns);
      }
    }
  }

  #namespaceActive(name: string | undefined): KubeObject | undefined {
    const ns = name ? this.#store.get('v1', 'Namespace', undefined, name) : undefined;
    return ns && !ns.metadata.deletionTimestamp ? ns : undefined;
  }

  // ---- pod creation with admission ----------------------------------------------------------

  /** Creates a pod through admission (name generated from `generateName` for ReplicaSets and Jobs). */
  #createPod(owner: KubeObject, name: string, template: KubeObject['spec'], extraLabels: Record<string, string>, generateName?: string): string | undefined {
    const ns = this.#namespaceActive(owner.metadata.namespace);
    if (!ns) return `unable to create new content in namespace ${owner.metadata.namespace} because it is being terminated`;
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        labels: { ...(template?.metadata?.labels ?? {}), ...extraLabels },
        ...(template?.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid as string, controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(template?.spec ?? {}),
      status: { phase: 'Pending' },
    };
    const namespace = owner.metadata.namespace as string;
    // The API server generates the name before admission, so refusals name the would-be pod.
    const result = admitPod(pod, {
      namespaceLabels: ns.metadata.labels,
      limitRanges: this.#store.list('v1', 'LimitRange', { namespace }),
      resourceQuotas: this.#store.list('v1', 'ResourceQuota', { namespace }),
      pods: this.#store.list('v1', 'Pod', { namespace }),
    });
    if (!result.allowed) return result.message;
    this.#store.create(generateName ? { ...result.object, metadata: { ...result.object.metadata, name, generateName } } : result.object);
    return undefined;
  }

  #ownedPods(owner: KubeObject): KubeObject[] {
    return this.#store
      .list('v1', 'Pod', { namespace: owner.metadata.namespace })
      .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid));
  }

  // ---- Deployments and StatefulSets ---------------------------------------------------------

  #workloads(kind: 'Deployment' | 'StatefulSet'): void {
    for (const d of this.#store.list('apps/v1', kind)) {
      if (d.metadata.deletionTimestamp) continue;
      const uid = d.metadata.uid as string;
      const replicas: number = d.spec?.paused ? 0 : (d.spec?.replicas ?? 1);
      const hash = hashOf(d.spec?.template);
      const rsName = `${d.metadata.name}-${hash}`;
      const progressKey = `${uid}:${hash}`;
      if (!this.#progressAt.has(progressKey)) this.#progressAt.set(progressKey, this.#now());
      let pods = this.#ownedPods(d);
      // Replace pods of an older template (Recreate-like; good enough for a simulation).
      for (const p of pods) {
        if (p.metadata.labels?.['pod-template-hash'] !== hash && p.metadata.labels?.['controller-revision-hash'] !== `${d.metadata.name}-${hash}`) {
          this.#store.delete('v1', 'Pod', p.metadata.namespace, p.metadata.name);
        }
      }
      pods = this.#ownedPods(d).filter((p) => !p.metadata.deletionTimestamp);
      let failure: string | undefined;
      if (!d.spec?.paused) {
        for (let i = 0; pods.length < replicas && i < replicas; i++) {
          const name = kind === 'StatefulSet' ? `${d.metadata.name}-${pods.length}` : `${rsName}-${suffix()}`;
          const labels: Record<string, string> =
            kind === 'StatefulSet'
              ? { 'controller-revision-hash': `${d.metadata.name}-${hash}`, 'statefulset.kubernetes.io/pod-name': name }
              : { 'pod-template-hash': hash };
          failure = this.#createPod(d, name, d.spec?.template, labels, kind === 'Deployment' ? `${rsName}-` : undefined);
          if (failure) break;
          pods = this.#ownedPods(d).filter((p) => !p.metadata.deletionTimestamp);
        }
        for (const extra of pods.slice(replicas)) this.#store.delete('v1', 'Pod', extra.metadata.namespace, extra.metadata.name);
        pods = pods.slice(0, replicas);
      }
      if (failure) {
        this.#failedCreate.set(uid, failure);
        this.#event(d, 'Warning', 'FailedCreate', `Error creating: ${failure}`, kind === 'Deployment' ? 'replicaset-controller' : 'statefulset-controller');
      }
      else if (pods.length >= replicas) this.#failedCreate.delete(uid);
      const ready = pods.filter((p) => p.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')).length;
      const prevReady = d.status?.readyReplicas ?? 0;
      if (ready > prevReady) this.#progressAt.set(progressKey, this.#now());
      const complete = ready >= replicas && pods.length === replicas;
      const deadlineSeconds: number = d.spec?.progressDeadlineSeconds ?? 600;
      const timedOut = !complete && this.#now() - (this.#progressAt.get(progressKey) as number) > deadlineSeconds * 1000 * this.t.timeScale;
      const now = kubeTime(this.#now());
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
      this.#store.setStatus(d, status);
    }
  }

  // ---- Jobs ---------------------------------------------------------------------------------

  #jobs(): void {
    for (const job of this.#store.list('batch/v1', 'Job')) {
      if (job.metadata.deletionTimestamp) continue;
      const conditions = (job.status?.conditions ?? []) as { type: string; status: string }[];
      if (conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) continue;
      if (job.spec?.suspend) continue;
      const pods = this.#ownedPods(job);
      const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
      const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
      const active = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
      const backoffLimit: number = job.spec?.backoffLimit ?? 6;
      const now = kubeTime(this.#now());
      const startTime = job.status?.startTime ?? now;
      if (succeeded >= (job.spec?.completions ?? 1)) {
        this.#store.setStatus(job, {
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
        for (const p of pods) if (p.status?.phase !== 'Failed') this.#store.delete('v1', 'Pod', p.metadata.namespace, p.metadata.name);
        this.#store.setStatus(job, {
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
        const failure = this.#createPod(
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
        if (failure) this.#event(job, 'Warning', 'FailedCreate', `Error creating: ${failure}`, 'job-controller');
      }
      this.#store.setStatus(job, { startTime, active: this.#ownedPods(job).filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length, ...(failed ? { failed } : {}), ...(succeeded ? { succeeded } : {}), ready: 0 });
    }
  }

  // ---- Pods ---------------------------------------------------------------------------------

  #blocker(pod: KubeObject): { reason: string; message: string; phase: 'scheduling' | 'mount' | 'config' } | undefined {
    const ns = pod.metadata.namespace;
    for (const v of (pod.spec?.volumes ?? []) as { name: string; persistentVolumeClaim?: { claimName: string }; secret?: { secretName: string; optional?: boolean }; configMap?: { name: string; optional?: boolean } }[]) {
      if (v.persistentVolumeClaim) {
        const pvc = this.#store.get('v1', 'PersistentVolumeClaim', ns, v.persistentVolumeClaim.claimName);
        if (!pvc) return { phase: 'scheduling', reason: 'Unschedulable', message: `0/1 nodes are available: persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.` };
        if (pvc.status?.phase !== 'Bound') return { phase: 'scheduling', reason: 'Unschedulable', message: '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.' };
      }
      if (v.secret && !v.secret.optional && !this.#store.get('v1', 'Secret', ns, v.secret.secretName)) {
        return { phase: 'mount', reason: 'ContainerCreating', message: `MountVolume.SetUp failed for volume "${v.name}" : secret "${v.secret.secretName}" not found` };
      }
      if (v.configMap && !v.configMap.optional && !this.#store.get('v1', 'ConfigMap', ns, v.configMap.name)) {
        return { phase: 'mount', reason: 'ContainerCreating', message: `MountVolume.SetUp failed for volume "${v.name}" : configmap "${v.configMap.name}" not found` };
      }
    }
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])] as ContainerSpec[]) {
      for (const e of c.env ?? []) {
        const s = e.valueFrom?.secretKeyRef;
        if (s && !s.optional) {
          const secret = this.#store.get('v1', 'Secret', ns, s.name);
          if (!secret) return { phase: 'config', reason: 'CreateContainerConfigError', message: `secret "${s.name}" not found` };
          const has = s.key in ((secret.data ?? {}) as Record<string, unknown>);
          if (!has) return { phase: 'config', reason: 'CreateContainerConfigError', message: `couldn't find key ${s.key} in Secret ${ns}/${s.name}` };
        }
        const m = e.valueFrom?.configMapKeyRef;
        if (m && !m.optional) {
          const cm = this.#store.get('v1', 'ConfigMap', ns, m.name);
          if (!cm) return { phase: 'config', reason: 'CreateContainerConfigError', message: `configmap "${m.name}" not found` };
          if (!(m.key in ((cm.data ?? {}) as Record<string, unknown>)) && !(m.key in ((cm.binaryData ?? {}) as Record<string, unknown>))) return { phase: 'config', reason: 'CreateContainerConfigError', message: `couldn't find key ${m.key} in ConfigMap ${ns}/${m.name}` };
        }
      }
      for (const f of c.envFrom ?? []) {
        if (f.secretRef && !f.secretRef.optional && !this.#store.get('v1', 'Secret', ns, f.secretRef.name)) {
          return { phase: 'config', reason: 'CreateContainerConfigError', message: `secret "${f.secretRef.name}" not found` };
        }
        if (f.configMapRef && !f.configMapRef.optional && !this.#store.get('v1', 'ConfigMap', ns, f.configMapRef.name)) {
          return { phase: 'config', reason: 'CreateContainerConfigError', message: `configmap "${f.configMapRef.name}" not found` };
        }
      }
    }
    return undefined;
  }

  #pods(): void {
    const nowMs = this.#now();
    const now = kubeTime(nowMs);
    for (const pod of this.#store.list('v1', 'Pod')) {
      const uid = pod.metadata.uid as string;
      if (pod.metadata.deletionTimestamp) continue;
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const containers = (pod.spec?.containers ?? []) as ContainerSpec[];
      const initContainers = (pod.spec?.initContainers ?? []) as ContainerSpec[];
      const isJob = pod.metadata.ownerReferences?.some((r) => r.kind === 'Job');
      const blocker = this.#blocker(pod);
      const startTime = pod.status?.startTime ?? now;
      const base = { hostIP: '10.0.0.10', podIP: `10.42.0.${(parseInt(uid.slice(0, 2), 16) % 250) + 2}`, qosClass: 'Burstable', startTime };
      const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: startTime };
      const waiting = (reason: string, message?: string) =>
        containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: '',
          ready: false,
          started: false,
          restartCount: 0,
          state: { waiting: { reason, ...(message ? { message } : {}) } },
        }));
      if (blocker) {
        this.#startAt.delete(uid);
        if (blocker.phase === 'scheduling') {
          this.#store.setStatus(pod, { phase: 'Pending', qosClass: 'Burstable', conditions: [{ type: 'PodScheduled', status: 'False', reason: blocker.reason, message: blocker.message, lastProbeTime: null, lastTransitionTime: pod.status?.conditions?.[0]?.lastTransitionTime ?? now }] });
        } else {
          const conditions = [scheduled, { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: startTime }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`, lastProbeTime: null, lastTransitionTime: startTime }, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`, lastProbeTime: null, lastTransitionTime: startTime }];
          this.#store.setStatus(pod, { ...base, phase: 'Pending', conditions, containerStatuses: waiting(blocker.reason, blocker.phase === 'config' ? blocker.message : undefined) });
          this.#event(pod, 'Warning', blocker.phase === 'config' ? 'Failed' : 'FailedMount', blocker.phase === 'config' ? `Error: ${blocker.message}` : blocker.message, 'kubelet');
        }
        continue;
      }
      // After a restart of the sim the in-memory timeline is gone: a running pod stays running.
      const started = this.#startAt.get(uid) ?? (pod.status?.phase === 'Running' ? nowMs - this.t.podStartMs - this.t.podReadyMs : nowMs);
      this.#startAt.set(uid, started);
      const t = nowMs - started;
      const initStatuses = initContainers.map((c) => ({ name: c.name, image: c.image, imageID: `docker.io/library/${c.image}`, ready: true, started: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime, containerID: `${ENGINE}${hashOf(uid + c.name)}` } } }));
      const pullFault = containers.find((c) => this.#faults.imagePullFailure(pod.metadata.namespace, c.name));
      const crashing = (c: ContainerSpec) => this.#faults.crashLoop(pod.metadata.namespace, c.name);
      const cond = (type: string, ok: boolean, reason?: string, message?: string) => ({ type, status: ok ? 'True' : 'False', ...(reason ? { reason } : {}), ...(message ? { message } : {}), lastProbeTime: null, lastTransitionTime: now });
      const keepTransition = (next: { type: string; status: string; lastTransitionTime: string }[]) =>
        next.map((c) => {
          const old = (pod.status?.conditions ?? []).find((o: { type: string; status: string }) => o.type === c.type);
          return old && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
        });
      if (t < this.t.podStartMs || pullFault) {
        const statuses = pullFault
          ? containers.map((c) =>
              this.#faults.imagePullFailure(pod.metadata.namespace, c.name)
                ? { name: c.name, image: c.image, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: t < this.t.podStartMs * 2 ? { reason: 'ErrImagePull', message: `failed to pull and unpack image "docker.io/library/${c.image}": failed to resolve reference "docker.io/library/${c.image}": not found` } : { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } } }
                : { name: c.name, image: c.image, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
            )
          : waiting('ContainerCreating');
        const unready = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`;
        if (pullFault) this.#event(pod, 'Warning', 'Failed', `Failed to pull image "${pullFault.image}": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/${pullFault.image}": not found`, 'kubelet');
        this.#store.setStatus(pod, { ...base, phase: 'Pending', conditions: keepTransition([scheduled, cond('Initialized', true), cond('Ready', false, 'ContainersNotReady', unready), cond('ContainersReady', false, 'ContainersNotReady', unready)] as never), ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}), containerStatuses: statuses });
        continue;
      }
      const running = t - this.t.podStartMs;
      const runStarted = kubeTime(started + this.t.podStartMs);
      if (isJob) {
        const crash = containers.some(crashing);
        if (running >= this.t.jobCompleteMs || (crash && running >= Math.min(this.t.jobCompleteMs, 1000))) {
          const statuses = containers.map((c) => ({ name: c.name, image: c.image, imageID: `docker.io/library/${c.image}`, ready: false, started: false, restartCount: 0, state: { terminated: crash ? { exitCode: 1, reason: 'Error', startedAt: runStarted, finishedAt: now } : { exitCode: 0, reason: 'Completed', startedAt: runStarted, finishedAt: now } } }));
          const reason = crash ? 'PodFailed' : 'PodCompleted';
          this.#store.setStatus(pod, { ...base, phase: crash ? 'Failed' : 'Succeeded', conditions: [scheduled, cond('Initialized', true, reason), cond('Ready', false, reason), cond('ContainersReady', false, reason)], ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}), containerStatuses: statuses });
          continue;
        }
      }
      const crashPeriod = Math.max(this.t.podReadyMs, 1);
      const statuses = containers.map((c) => {
        const id = `${ENGINE}${hashOf(uid + c.name)}`;
        if (crashing(c)) {
          const restarts = Math.floor(running / crashPeriod) + 1;
          return { name: c.name, image: c.image, imageID: `docker.io/library/${c.image}`, containerID: id, ready: false, started: false, restartCount: restarts, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: runStarted, finishedAt: now, containerID: id } }, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.min(10 * 2 ** (restarts - 1), 300)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})` } } };
        }
        const ready = running >= this.t.podReadyMs;
        return { name: c.name, image: c.image, imageID: `docker.io/library/${c.image}`, containerID: id, ready, started: true, restartCount: 0, state: { running: { startedAt: runStarted } } };
      });
      for (const c of containers.filter(crashing)) this.#event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${uid})`, 'kubelet');
      const allReady = statuses.every((s) => s.ready);
      const unreadyNames = statuses.filter((s) => !s.ready).map((s) => s.name);
      const unready = `containers with unready status: [${unreadyNames.join(' ')}]`;
      this.#store.setStatus(pod, {
        ...base,
        phase: 'Running',
        conditions: keepTransition([
          scheduled,
          cond('Initialized', true),
          allReady ? cond('Ready', true) : cond('Ready', false, 'ContainersNotReady', unready),
          allReady ? cond('ContainersReady', true) : cond('ContainersReady', false, 'ContainersNotReady', unready),
        ] as never),
        ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
        containerStatuses: statuses,
      });
    }
  }

  // ---- storage, networking, certificates, autoscaling, quotas -------------------------------

  #pvcs(): void {
    for (const pvc of this.#store.list('v1', 'PersistentVolumeClaim')) {
      if (pvc.status?.phase === 'Bound' || pvc.metadata.deletionTimestamp) continue;
      if (this.#age(pvc) < this.t.pvcBindMs) {
        if (pvc.status?.phase !== 'Pending') this.#store.setStatus(pvc, { phase: 'Pending' });
        continue;
      }
      this.#store.setStatus(pvc, {
        phase: 'Bound',
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        capacity: { storage: String(pvc.spec?.resources?.requests?.storage ?? '1Gi') },
      });
    }
  }

  #ingresses(): void {
    for (const ing of this.#store.list('networking.k8s.io/v1', 'Ingress')) {
      if (ing.metadata.deletionTimestamp) continue;
      if (this.#age(ing) >= this.t.ingressAddressMs && !ing.status?.loadBalancer?.ingress?.length) {
        this.#store.setStatus(ing, { loadBalancer: { ingress: [{ ip: this.t.ingressAddress }] } });
      }
      // cert-manager's ingress-shim: one Certificate per TLS secret of an annotated Ingress.
      const a = ing.metadata.annotations ?? {};
      const issuer = a['cert-manager.io/cluster-issuer'] ?? a['cert-manager.io/issuer'];
      if (!issuer) continue;
      for (const tls of (ing.spec?.tls ?? []) as { hosts?: string[]; secretName?: string }[]) {
        if (!tls.secretName || this.#store.get('cert-manager.io/v1', 'Certificate', ing.metadata.namespace, tls.secretName)) continue;
        this.#store.create({
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: {
            name: tls.secretName,
            namespace: ing.metadata.namespace,
            ownerReferences: [{ apiVersion: ing.apiVersion, kind: ing.kind, name: ing.metadata.name, uid: ing.metadata.uid as string, controller: true, blockOwnerDeletion: true }],
          },
          spec: {
            secretName: tls.secretName,
            dnsNames: tls.hosts ?? [],
            usages: ['digital signature', 'key encipherment'],
            issuerRef: { group: 'cert-manager.io', kind: a['cert-manager.io/cluster-issuer'] ? 'ClusterIssuer' : 'Issuer', name: issuer },
          },
        });
      }
    }
  }

  #certificates(): void {
    for (const cert of this.#store.list('cert-manager.io/v1', 'Certificate')) {
      if (cert.metadata.deletionTimestamp) continue;
      const ready = cert.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (ready) continue;
      const now = kubeTime(this.#now());
      if (this.#age(cert) < this.t.certificateReadyMs) {
        if (!cert.status?.conditions) {
          this.#store.setStatus(cert, {
            conditions: [
              { type: 'Ready', status: 'False', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist', lastTransitionTime: now, observedGeneration: cert.metadata.generation },
              { type: 'Issuing', status: 'True', reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist', lastTransitionTime: now, observedGeneration: cert.metadata.generation },
            ],
          });
        }
        continue;
      }
      if (!this.#namespaceActive(cert.metadata.namespace)) continue;
      this.#store.put({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: cert.spec?.secretName, namespace: cert.metadata.namespace, annotations: { 'cert-manager.io/certificate-name': cert.metadata.name, 'cert-manager.io/common-name': cert.spec?.dnsNames?.[0] ?? '' } },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from('simulated certificate').toString('base64'), 'tls.key': Buffer.from('simulated key').toString('base64') },
      });
      this.#store.setStatus(cert, {
        conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired', lastTransitionTime: now, observedGeneration: cert.metadata.generation }],
        notBefore: now,
        notAfter: kubeTime(this.#now() + 90 * 24 * 3600_000),
        renewalTime: kubeTime(this.#now() + 60 * 24 * 3600_000),
        revision: 1,
      });
    }
  }

  #hpas(): void {
    for (const hpa of this.#store.list('autoscaling/v2', 'HorizontalPodAutoscaler')) {
      const ref = hpa.spec?.scaleTargetRef ?? {};
      const target = this.#store.get(`${ref.apiVersion ?? 'apps/v1'}`, ref.kind ?? 'Deployment', hpa.metadata.namespace, ref.name ?? '');
      const now = kubeTime(this.#now());
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
      this.#store.setStatus(hpa, status);
    }
  }

  #quotas(): void {
    for (const q of this.#store.list('v1', 'ResourceQuota')) {
      const hard = (q.spec?.hard ?? {}) as Record<string, string | number>;
      const ns = q.metadata.namespace;
      const used = quotaUsage(hard, this.#store.list('v1', 'Pod', { namespace: ns }), this.#store.list('v1', 'PersistentVolumeClaim', { namespace: ns }));
      const inNamespace = this.#store.listNamespace(ns as string);
      for (const key of Object.keys(hard)) {
        if (isObjectCountKey(key) && key !== 'persistentvolumeclaims') used[key] = inNamespace.reduce((sum, o) => sum + objectCountUsage(key, o), 0);
      }
      this.#store.setStatus(q, {
        hard: Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, String(v)])),
        used: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, formatQuantity(k, v)])),
      });
    }
  }
}
