/**
 * What kube-state-metrics (v2) exports for the objects the sim holds — names, types and labels as its
 * docs/metrics/ pages document them: namespaces, pods and their containers, Deployments, StatefulSets,
 * PersistentVolumeClaims. Object labels appear on kube_<kind>_labels only for the keys allowed by
 * `--metric-labels-allowlist` (e.g. `namespaces=[store-platform.io/store-id]`), named as kube-state-metrics
 * renders them: `label_` + the key with every character outside [a-zA-Z0-9_] replaced by `_`.
 */
import type { ClusterStore, KubeObject } from '../cluster-store.ts';
import { parseQuantity } from '../admission/quantity.ts';
import { family, type Labels, type MetricFamily } from './exposition.ts';

/** Allowed label keys by kube-state-metrics resource name (namespaces, pods, …). */
export type LabelsAllowlist = Record<string, string[]>;

/** Parses `--metric-labels-allowlist` entries: `namespaces=[a,b]` (one per resource, or comma-joined). */
export function parseLabelsAllowlist(entries: readonly string[]): LabelsAllowlist {
  const out: LabelsAllowlist = {};
  for (const m of entries.join(',').matchAll(/([a-z0-9.]+)=\[([^\]]*)\]/g)) {
    out[m[1] as string] = (m[2] as string).split(',').map((s) => s.trim()).filter(Boolean);
  }
  return out;
}

/** kube-state-metrics' label-name conversion: snake_case camelCase, then anything not [a-zA-Z0-9_] → `_`. */
export const promLabelName = (prefix: string, key: string) => `${prefix}_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`.replace(/[^a-zA-Z0-9_]/g, '_');

function allowedLabels(o: KubeObject, keys: readonly string[] | undefined): Labels {
  const out: Labels = {};
  const labels = o.metadata.labels ?? {};
  for (const k of keys ?? []) {
    if (k === '*') {
      for (const [lk, lv] of Object.entries(labels)) out[promLabelName('label', lk)] = lv;
    } else if (labels[k] !== undefined) out[promLabelName('label', k)] = labels[k] as string;
  }
  return out;
}

const POD_PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'];
type Container = { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
type ContainerStatus = { name: string; ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string } } };

/** kube-state-metrics' resource label and unit: cpu → core, memory/storage → byte, others integer. */
function resourceLabels(resource: string): { resource: string; unit: string } {
  if (resource === 'cpu') return { resource, unit: 'core' };
  if (['memory', 'storage', 'ephemeral-storage'].includes(resource) || resource.startsWith('hugepages-')) return { resource: resource.replace(/[^a-zA-Z0-9_]/g, '_'), unit: 'byte' };
  return { resource: resource.replace(/[^a-zA-Z0-9_]/g, '_'), unit: 'integer' };
}

export function kubeStateMetrics(store: ClusterStore, allowlist: LabelsAllowlist): MetricFamily[] {
  const nsLabels = family('kube_namespace_labels', 'gauge', 'Kubernetes labels converted to Prometheus labels.');
  const nsPhase = family('kube_namespace_status_phase', 'gauge', 'kubernetes namespace status phase.');
  for (const ns of store.list('v1', 'Namespace')) {
    const namespace = ns.metadata.name;
    nsLabels.add({ namespace, ...allowedLabels(ns, allowlist.namespaces) }, 1);
    const phase = ns.metadata.deletionTimestamp ? 'Terminating' : 'Active';
    for (const p of ['Active', 'Terminating']) nsPhase.add({ namespace, phase: p }, p === phase ? 1 : 0);
  }

  const podLabels = family('kube_pod_labels', 'gauge', 'Kubernetes labels converted to Prometheus labels.');
  const podPhase = family('kube_pod_status_phase', 'gauge', 'The pods current phase.');
  const podReady = family('kube_pod_status_ready', 'gauge', 'Describes whether the pod is ready to serve requests.');
  const restarts = family('kube_pod_container_status_restarts_total', 'counter', 'The number of container restarts per container.');
  const waiting = family('kube_pod_container_status_waiting_reason', 'gauge', 'Describes the reason the container is currently in waiting state.');
  const cReady = family('kube_pod_container_status_ready', 'gauge', 'Describes whether the containers readiness check succeeded.');
  const requests = family('kube_pod_container_resource_requests', 'gauge', 'The number of requested request resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.');
  const limits = family('kube_pod_container_resource_limits', 'gauge', 'The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.');
  for (const pod of store.list('v1', 'Pod')) {
    const base = { namespace: pod.metadata.namespace as string, pod: pod.metadata.name, uid: pod.metadata.uid as string };
    podLabels.add({ ...base, ...allowedLabels(pod, allowlist.pods) }, 1);
    const phase = pod.status?.phase as string | undefined;
    if (phase) for (const p of POD_PHASES) podPhase.add({ ...base, phase: p }, p === phase ? 1 : 0);
    const ready = (pod.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready') as { status: string } | undefined;
    if (ready) for (const c of ['true', 'false', 'unknown']) podReady.add({ ...base, condition: c }, ready.status.toLowerCase() === c ? 1 : 0);
    for (const s of (pod.status?.containerStatuses ?? []) as ContainerStatus[]) {
      const labels = { ...base, container: s.name };
      restarts.add(labels, s.restartCount ?? 0);
      cReady.add(labels, s.ready ? 1 : 0);
      const reason = s.state?.waiting?.reason;
      if (reason) waiting.add({ ...labels, reason }, 1);
    }
    const node = (pod.spec?.nodeName as string | undefined) ?? '';
    for (const c of (pod.spec?.containers ?? []) as Container[]) {
      for (const [target, values] of [[requests, c.resources?.requests], [limits, c.resources?.limits]] as const) {
        for (const [resource, q] of Object.entries(values ?? {})) {
          target.add({ ...base, container: c.name, node, ...resourceLabels(resource) }, parseQuantity(q));
        }
      }
    }
  }

  const depAvailable = family('kube_deployment_status_replicas_available', 'gauge', 'The number of available replicas per deployment.');
  const depSpec = family('kube_deployment_spec_replicas', 'gauge', 'Number of desired pods for a deployment.');
  for (const d of store.list('apps/v1', 'Deployment')) {
    const labels = { namespace: d.metadata.namespace as string, deployment: d.metadata.name };
    depAvailable.add(labels, d.status?.availableReplicas ?? 0);
    depSpec.add(labels, d.spec?.replicas ?? 1);
  }
  const stsReady = family('kube_statefulset_status_replicas_ready', 'gauge', 'The number of ready replicas per StatefulSet.');
  const stsSpec = family('kube_statefulset_replicas', 'gauge', 'Number of desired pods for a StatefulSet.');
  for (const s of store.list('apps/v1', 'StatefulSet')) {
    const labels = { namespace: s.metadata.namespace as string, statefulset: s.metadata.name };
    stsReady.add(labels, s.status?.readyReplicas ?? 0);
    stsSpec.add(labels, s.spec?.replicas ?? 1);
  }

  const pvcRequest = family('kube_persistentvolumeclaim_resource_requests_storage_bytes', 'gauge', 'The capacity of storage requested by the persistent volume claim.');
  const pvcPhase = family('kube_persistentvolumeclaim_status_phase', 'gauge', 'The phase the persistent volume claim is currently in.');
  for (const pvc of store.list('v1', 'PersistentVolumeClaim')) {
    const labels = { namespace: pvc.metadata.namespace as string, persistentvolumeclaim: pvc.metadata.name };
    const requested = pvc.spec?.resources?.requests?.storage as string | undefined;
    if (requested) pvcRequest.add(labels, parseQuantity(requested));
    const phase = (pvc.status?.phase as string | undefined) ?? 'Pending';
    for (const p of ['Lost', 'Bound', 'Pending']) pvcPhase.add({ ...labels, phase: p }, p === phase ? 1 : 0);
  }
  return [nsLabels, nsPhase, podLabels, podPhase, podReady, restarts, waiting, cReady, requests, limits, depAvailable, depSpec, stsReady, stsSpec, pvcRequest, pvcPhase];
}
