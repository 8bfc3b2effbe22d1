/**
 * The kubelet of one simulated node: ContainerCreating → Running after `podStartMs` → Ready after
 * `podReadyMs`; Pending while a PVC is unbound; `CreateContainerConfigError` while a referenced
 * Secret/ConfigMap or key is missing; faults: CrashLoopBackOff (restartCount grows),
 * ErrImagePull/ImagePullBackOff. A Job's pod succeeds after `jobCompleteMs`.
 */
import type { KubeObject } from '../cluster-store.ts';
import { kubeTime } from '../cluster-store.ts';
import { ENGINE, hashOf, type ContainerSpec, type Controller, type ControllerContext } from './controller.ts';

export class PodController implements Controller {
  readonly name = 'pod';
  readonly #c: ControllerContext;
  /** When each pod became schedulable / its config resolvable (by uid). */
  #startAt = new Map<string, number>();

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reset(): void {
    this.#startAt.clear();
  }

  reconcile(): void {
    const nowMs = this.#c.now();
    const now = kubeTime(nowMs);
    for (const pod of this.#c.store.list('v1', 'Pod')) {
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
          this.#c.store.setStatus(pod, { phase: 'Pending', qosClass: 'Burstable', conditions: [{ type: 'PodScheduled', status: 'False', reason: blocker.reason, message: blocker.message, lastProbeTime: null, lastTransitionTime: pod.status?.conditions?.[0]?.lastTransitionTime ?? now }] });
        } else {
          const conditions = [scheduled, { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: startTime }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`, lastProbeTime: null, lastTransitionTime: startTime }, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`, lastProbeTime: null, lastTransitionTime: startTime }];
          this.#c.store.setStatus(pod, { ...base, phase: 'Pending', conditions, containerStatuses: waiting(blocker.reason, blocker.phase === 'config' ? blocker.message : undefined) });
          this.#c.event(pod, 'Warning', blocker.phase === 'config' ? 'Failed' : 'FailedMount', blocker.phase === 'config' ? `Error: ${blocker.message}` : blocker.message, 'kubelet');
        }
        continue;
      }
      // After a restart of the sim the in-memory timeline is gone: a running pod stays running.
      const started = this.#startAt.get(uid) ?? (pod.status?.phase === 'Running' ? nowMs - this.#c.t.podStartMs - this.#c.t.podReadyMs : nowMs);
      this.#startAt.set(uid, started);
      const t = nowMs - started;
      const initStatuses = initContainers.map((c) => ({ name: c.name, image: c.image, imageID: `docker.io/library/${c.image}`, ready: true, started: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime, containerID: `${ENGINE}${hashOf(uid + c.name)}` } } }));
      const pullFault = containers.find((c) => this.#c.faults.imagePullFailure(pod.metadata.namespace, c.name));
      const crashing = (c: ContainerSpec) => this.#c.faults.crashLoop(pod.metadata.namespace, c.name);
      const cond = (type: string, ok: boolean, reason?: string, message?: string) => ({ type, status: ok ? 'True' : 'False', ...(reason ? { reason } : {}), ...(message ? { message } : {}), lastProbeTime: null, lastTransitionTime: now });
      const keepTransition = (next: { type: string; status: string; lastTransitionTime: string }[]) =>
        next.map((c) => {
          const old = (pod.status?.conditions ?? []).find((o: { type: string; status: string }) => o.type === c.type);
          return old && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
        });
      if (t < this.#c.t.podStartMs || pullFault) {
        const statuses = pullFault
          ? containers.map((c) =>
              this.#c.faults.imagePullFailure(pod.metadata.namespace, c.name)
                ? { name: c.name, image: c.image, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: t < this.#c.t.podStartMs * 2 ? { reason: 'ErrImagePull', message: `failed to pull and unpack image "docker.io/library/${c.image}": failed to resolve reference "docker.io/library/${c.image}": not found` } : { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } } }
                : { name: c.name, image: c.image, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
            )
          : waiting('ContainerCreating');
        const unready = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`;
        if (pullFault) this.#c.event(pod, 'Warning', 'Failed', `Failed to pull image "${pullFault.image}": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/${pullFault.image}": not found`, 'kubelet');
        this.#c.store.setStatus(pod, { ...base, phase: 'Pending', conditions: keepTransition([scheduled, cond('Initialized', true), cond('Ready', false, 'ContainersNotReady', unready), cond('ContainersReady', false, 'ContainersNotReady', unready)] as never), ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}), containerStatuses: statuses });
        continue;
      }
      const running = t - this.#c.t.podStartMs;
      const runStarted = kubeTime(started + this.#c.t.podStartMs);
      if (isJob) {
        const crash = containers.some(crashing);
        if (running >= this.#c.t.jobCompleteMs || (crash && running >= Math.min(this.#c.t.jobCompleteMs, 1000))) {
          const statuses = containers.map((c) => ({ name: c.name, image: c.image, imageID: `docker.io/library/${c.image}`, ready: false, started: false, restartCount: 0, state: { terminated: crash ? { exitCode: 1, reason: 'Error', startedAt: runStarted, finishedAt: now } : { exitCode: 0, reason: 'Completed', startedAt: runStarted, finishedAt: now } } }));
          const reason = crash ? 'PodFailed' : 'PodCompleted';
          this.#c.store.setStatus(pod, { ...base, phase: crash ? 'Failed' : 'Succeeded', conditions: [scheduled, cond('Initialized', true, reason), cond('Ready', false, reason), cond('ContainersReady', false, reason)], ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}), containerStatuses: statuses });
          continue;
        }
      }
      const crashPeriod = Math.max(this.#c.t.podReadyMs, 1);
      const statuses = containers.map((c) => {
        const id = `${ENGINE}${hashOf(uid + c.name)}`;
        if (crashing(c)) {
          const restarts = Math.floor(running / crashPeriod) + 1;
          return { name: c.name, image: c.image, imageID: `docker.io/library/${c.image}`, containerID: id, ready: false, started: false, restartCount: restarts, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: runStarted, finishedAt: now, containerID: id } }, state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.min(10 * 2 ** (restarts - 1), 300)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})` } } };
        }
        const ready = running >= this.#c.t.podReadyMs;
        return { name: c.name, image: c.image, imageID: `docker.io/library/${c.image}`, containerID: id, ready, started: true, restartCount: 0, state: { running: { startedAt: runStarted } } };
      });
      for (const c of containers.filter(crashing)) this.#c.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${uid})`, 'kubelet');
      const allReady = statuses.every((s) => s.ready);
      const unreadyNames = statuses.filter((s) => !s.ready).map((s) => s.name);
      const unready = `containers with unready status: [${unreadyNames.join(' ')}]`;
      this.#c.store.setStatus(pod, {
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

  #blocker(pod: KubeObject): { reason: string; message: string; phase: 'scheduling' | 'mount' | 'config' } | undefined {
    const ns = pod.metadata.namespace;
    for (const v of (pod.spec?.volumes ?? []) as { name: string; persistentVolumeClaim?: { claimName: string }; secret?: { secretName: string; optional?: boolean }; configMap?: { name: string; optional?: boolean } }[]) {
      if (v.persistentVolumeClaim) {
        const pvc = this.#c.store.get('v1', 'PersistentVolumeClaim', ns, v.persistentVolumeClaim.claimName);
        if (!pvc) return { phase: 'scheduling', reason: 'Unschedulable', message: `0/1 nodes are available: persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.` };
        if (pvc.status?.phase !== 'Bound') return { phase: 'scheduling', reason: 'Unschedulable', message: '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.' };
      }
      if (v.secret && !v.secret.optional && !this.#c.store.get('v1', 'Secret', ns, v.secret.secretName)) {
        return { phase: 'mount', reason: 'ContainerCreating', message: `MountVolume.SetUp failed for volume "${v.name}" : secret "${v.secret.secretName}" not found` };
      }
      if (v.configMap && !v.configMap.optional && !this.#c.store.get('v1', 'ConfigMap', ns, v.configMap.name)) {
        return { phase: 'mount', reason: 'ContainerCreating', message: `MountVolume.SetUp failed for volume "${v.name}" : configmap "${v.configMap.name}" not found` };
      }
    }
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])] as ContainerSpec[]) {
      for (const e of c.env ?? []) {
        const s = e.valueFrom?.secretKeyRef;
        if (s && !s.optional) {
          const secret = this.#c.store.get('v1', 'Secret', ns, s.name);
          if (!secret) return { phase: 'config', reason: 'CreateContainerConfigError', message: `secret "${s.name}" not found` };
          const has = s.key in ((secret.data ?? {}) as Record<string, unknown>);
          if (!has) return { phase: 'config', reason: 'CreateContainerConfigError', message: `couldn't find key ${s.key} in Secret ${ns}/${s.name}` };
        }
        const m = e.valueFrom?.configMapKeyRef;
        if (m && !m.optional) {
          const cm = this.#c.store.get('v1', 'ConfigMap', ns, m.name);
          if (!cm) return { phase: 'config', reason: 'CreateContainerConfigError', message: `configmap "${m.name}" not found` };
          if (!(m.key in ((cm.data ?? {}) as Record<string, unknown>)) && !(m.key in ((cm.binaryData ?? {}) as Record<string, unknown>))) return { phase: 'config', reason: 'CreateContainerConfigError', message: `couldn't find key ${m.key} in ConfigMap ${ns}/${m.name}` };
        }
      }
      for (const f of c.envFrom ?? []) {
        if (f.secretRef && !f.secretRef.optional && !this.#c.store.get('v1', 'Secret', ns, f.secretRef.name)) {
          return { phase: 'config', reason: 'CreateContainerConfigError', message: `secret "${f.secretRef.name}" not found` };
        }
        if (f.configMapRef && !f.configMapRef.optional && !this.#c.store.get('v1', 'ConfigMap', ns, f.configMapRef.name)) {
          return { phase: 'config', reason: 'CreateContainerConfigError', message: `configmap "${f.configMapRef.name}" not found` };
        }
      }
    }
    return undefined;
  }

}
