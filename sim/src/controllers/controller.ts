/**
 * The simulated controllers (kwok-style: real objects, simulated nodes) share one interface, as kwok's
 * pkg/kwok/controllers do: each reconciles its kind on every pass. ControllerContext holds what they
 * share: the store, the clock, the timings, events and pod creation through admission.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ClusterStore, KubeObject } from '../cluster-store.ts';
import { kubeTime } from '../cluster-store.ts';
import { admitPod } from '../admission/pod-admission.ts';
import type { Faults } from '../faults.ts';
import type { KubeletTimings } from '../kubelet.ts';

export interface Controller {
  /** The kind (or family of kinds) it reconciles, for logs. */
  readonly name: string;
  /** One pass over every object of its kind. */
  reconcile(): void;
  /** Forgets in-memory timelines (the sim's reset). */
  reset?(): void;
}

export const ENGINE = 'containerd://';

const hashes = new WeakMap<object, string>();

/** Short hash of a value (memoised for stored objects, which are immutable). */
export function hashOf(v: unknown): string {
  if (v && typeof v === 'object') {
    const cached = hashes.get(v);
    if (cached) return cached;
    const h = createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 10);
    hashes.set(v, h);
    return h;
  }
  return createHash('sha256').update(JSON.stringify(v ?? null)).digest('hex').slice(0, 10);
}

export function suffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface ContainerSpec {
  name: string;
  image?: string;
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  envFrom?: { secretRef?: { name: string; optional?: boolean }; configMapRef?: { name: string; optional?: boolean } }[];
}

export class ControllerContext {
  readonly store: ClusterStore;
  readonly faults: Faults;
  readonly now: () => number;
  readonly #timings: () => KubeletTimings;

  constructor(store: ClusterStore, faults: Faults, timings: () => KubeletTimings, now: () => number) {
    this.store = store;
    this.faults = faults;
    this.#timings = timings;
    this.now = now;
  }

  get t(): KubeletTimings {
    return this.#timings();
  }

  /**
   * Records a core/v1 Event the way controllers do (one per involved object + reason, its `count`
   * growing on repeats), so `kubectl get events` explains what the statuses only hint at.
   */
  event(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const ns = involved.metadata.namespace;
    if (!ns || !this.namespaceActive(ns)) return;
    // Similar events (same object and reason) are combined, as the event correlator does.
    const name = `${involved.metadata.name}.${hashOf(`${involved.metadata.uid}|${reason}`)}`;
    const now = kubeTime(this.now());
    const existing = this.store.get('v1', 'Event', ns, name);
    if (existing) {
      if (this.now() - Date.parse(existing.lastTimestamp as string) < 10_000 * this.t.timeScale * 10) return;
      this.store.put({ ...existing, message, count: ((existing.count as number) ?? 1) + 1, lastTimestamp: now });
      return;
    }
    this.store.create({
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


  age(o: KubeObject): number {
    return this.now() - this.store.createdMs(o);
  }

  namespaceActive(name: string | undefined): KubeObject | undefined {
    const ns = name ? this.store.get('v1', 'Namespace', undefined, name) : undefined;
    return ns && !ns.metadata.deletionTimestamp ? ns : undefined;
  }


  /** Creates a pod through admission (name generated from `generateName` for ReplicaSets and Jobs). */
  createPod(owner: KubeObject, name: string, template: KubeObject['spec'], extraLabels: Record<string, string>, generateName?: string): string | undefined {
    const ns = this.namespaceActive(owner.metadata.namespace);
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
      limitRanges: this.store.list('v1', 'LimitRange', { namespace }),
      resourceQuotas: this.store.list('v1', 'ResourceQuota', { namespace }),
      pods: this.store.list('v1', 'Pod', { namespace }),
    });
    if (!result.allowed) return result.message;
    this.store.create(generateName ? { ...result.object, metadata: { ...result.object.metadata, name, generateName } } : result.object);
    return undefined;
  }

  ownedPods(owner: KubeObject): KubeObject[] {
    return this.store
      .list('v1', 'Pod', { namespace: owner.metadata.namespace })
      .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid));
  }
}
