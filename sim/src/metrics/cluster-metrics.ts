/**
 * The sim's /metrics: in one scrape, what a real cluster's exporters export for the same objects —
 * kube-state-metrics, the kubelet (cAdvisor + volume stats), Argo CD's application controller and
 * cert-manager. Each family appears once, so a Prometheus scraping only this endpoint sees every series
 * once (joins like `* on(namespace) group_left(...) kube_namespace_labels` stay one-to-one).
 */
import type { ClusterStore } from '../cluster-store.ts';
import { render } from './exposition.ts';
import { kubeStateMetrics, parseLabelsAllowlist, type LabelsAllowlist } from './kube-state-metrics.ts';
import { kubeletMetrics } from './kubelet-metrics.ts';
import { argoCdMetrics, certManagerMetrics } from './addon-metrics.ts';

/** kube-state-metrics' --metric-labels-allowlist as argocd/values/kube-prometheus-stack.yaml sets it. */
export const DEFAULT_LABELS_ALLOWLIST = ['namespaces=[store-platform.io/store-id,store-platform.io/owner,store-platform.io/managed-by]', 'pods=[store-platform.io/store-id,app.kubernetes.io/component]'];

export function clusterMetrics(store: ClusterStore, now: () => number = Date.now, allowlist: LabelsAllowlist = parseLabelsAllowlist(DEFAULT_LABELS_ALLOWLIST)): () => string {
  return () => render([...kubeStateMetrics(store, allowlist), ...kubeletMetrics(store, now()), ...argoCdMetrics(store), ...certManagerMetrics(store)]);
}
