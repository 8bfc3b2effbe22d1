/**
 * The sim's /metrics against a store's objects: the exporters' names, types and labels (kube-state-metrics'
 * allowlist rendering of namespace labels, cAdvisor's pod and container series), simulated usage that
 * moves the way it should (CPU counter never decreases, memory under the limit, volume use growing), and
 * the exposition format as Prometheus' own linter (`promtool check metrics`) reads it.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ClusterStore, kubeTime } from '../cluster-store.ts';
import { clusterMetrics } from './cluster-metrics.ts';
import { parseLabelsAllowlist, promLabelName } from './kube-state-metrics.ts';
import { cpuSeconds } from './kubelet-metrics.ts';

const NS = 'store-0b1c';
function cluster(now: () => number): ClusterStore {
  const store = new ClusterStore({ now });
  store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'store-platform.io/store-id': '0b1c', 'store-platform.io/owner': 'u1', 'app.kubernetes.io/part-of': 'store-platform' } } });
  const pvc = store.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: NS }, spec: { resources: { requests: { storage: '10Gi' } } } });
  store.setStatus(pvc, { phase: 'Bound', capacity: { storage: '10Gi' } });
  const pod = store.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'wp-1', namespace: NS, labels: { 'store-platform.io/store-id': '0b1c', 'app.kubernetes.io/component': 'wordpress', other: 'x' } },
    spec: { containers: [{ name: 'wordpress', image: 'wordpress:7', resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
  });
  store.setStatus(pod, {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'wordpress', image: 'docker.io/library/wordpress:7', containerID: 'containerd://abc123', ready: true, restartCount: 2, state: { running: { startedAt: kubeTime(now()) } } }],
  });
  const crashing = store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-1', namespace: NS }, spec: { containers: [{ name: 'mysql', image: 'mysql:8' }] } });
  store.setStatus(crashing, { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'mysql', restartCount: 5, ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } }] });
  return store;
}

/** value of the one sample of `name` whose label set includes all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  expect(lines, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return Number(lines[0]!.slice(lines[0]!.lastIndexOf(' ') + 1));
}

describe('sim /metrics', () => {
  const t0 = Date.parse('2026-12-01T10:00:00Z');
  let now = t0;
  const store = cluster(() => now);
  const metrics = clusterMetrics(store, () => now, parseLabelsAllowlist(['namespaces=[store-platform.io/store-id,store-platform.io/owner]', 'pods=[store-platform.io/store-id,app.kubernetes.io/component]']));

  it('renders allowlisted object labels the way kube-state-metrics names them, and only those', () => {
    expect(promLabelName('label', 'store-platform.io/store-id')).toBe('label_store_platform_io_store_id');
    expect(promLabelName('label', 'app.kubernetes.io/component')).toBe('label_app_kubernetes_io_component');
    const text = metrics();
    const ns = text.split('\n').find((l) => l.startsWith(`kube_namespace_labels{namespace="${NS}"`));
    expect(ns).toBe(`kube_namespace_labels{namespace="${NS}",label_store_platform_io_store_id="0b1c",label_store_platform_io_owner="u1"} 1`);
    const pod = text.split('\n').find((l) => l.startsWith('kube_pod_labels{') && l.includes('pod="wp-1"'));
    expect(pod).toContain('label_app_kubernetes_io_component="wordpress"');
    expect(pod).not.toContain('label_other');
  });

  it('exports pod state as kube-state-metrics does', () => {
    const text = metrics();
    expect(sample(text, 'kube_pod_status_ready', { pod: 'wp-1', condition: 'true' })).toBe(1);
    expect(sample(text, 'kube_pod_status_ready', { pod: 'db-1', condition: 'false' })).toBe(1);
    expect(sample(text, 'kube_pod_status_phase', { pod: 'wp-1', phase: 'Running' })).toBe(1);
    expect(sample(text, 'kube_pod_status_phase', { pod: 'wp-1', phase: 'Pending' })).toBe(0);
    expect(sample(text, 'kube_pod_container_status_restarts_total', { pod: 'db-1', container: 'mysql' })).toBe(5);
    expect(sample(text, 'kube_pod_container_status_waiting_reason', { pod: 'db-1', reason: 'CrashLoopBackOff' })).toBe(1);
    expect(text).not.toMatch(/kube_pod_container_status_waiting_reason\{[^}]*pod="wp-1"/);
    expect(sample(text, 'kube_pod_container_resource_requests', { pod: 'wp-1', resource: 'cpu', unit: 'core' })).toBe(0.25);
    expect(sample(text, 'kube_pod_container_resource_limits', { pod: 'wp-1', resource: 'memory', unit: 'byte' })).toBe(512 * 2 ** 20);
    expect(sample(text, 'kube_persistentvolumeclaim_resource_requests_storage_bytes', { persistentvolumeclaim: 'data' })).toBe(10 * 2 ** 30);
    expect(text).toContain('# TYPE kube_pod_container_status_restarts_total counter');
  });

  it('simulates usage that moves: CPU counter grows and never decreases, memory stays under the limit, volume use grows', () => {
    const cpu: number[] = [];
    const mem: number[] = [];
    const vol: number[] = [];
    for (let s = 0; s <= 900; s += 15) {
      now = t0 + s * 1000;
      const text = metrics();
      cpu.push(sample(text, 'container_cpu_usage_seconds_total', { container: 'wordpress' }));
      mem.push(sample(text, 'container_memory_working_set_bytes', { container: 'wordpress' }));
      vol.push(sample(text, 'kubelet_volume_stats_used_bytes', { persistentvolumeclaim: 'data' }));
      // The pod's own cgroup (container="") carries the sum; the crash-looping container has no series.
      expect(sample(text, 'container_cpu_usage_seconds_total', { pod: 'wp-1', container: '', image: '' })).toBe(cpu.at(-1));
      expect(text).not.toMatch(/container_cpu_usage_seconds_total\{container="mysql"/);
      expect(sample(text, 'kubelet_volume_stats_capacity_bytes', { persistentvolumeclaim: 'data' })).toBe(10 * 2 ** 30);
    }
    for (let i = 1; i < cpu.length; i++) expect(cpu[i]!).toBeGreaterThanOrEqual(cpu[i - 1]!);
    const avgRate = cpu.at(-1)! / 900;
    expect(avgRate).toBeGreaterThan(0.25 * 0.2 * 0.9);
    expect(avgRate).toBeLessThan(0.25 * 0.6 * 1.1);
    expect(new Set(mem.slice(10)).size).toBeGreaterThan(3); // moving, not flat
    for (const m of mem) expect(m).toBeLessThan(512 * 2 ** 20);
    expect(vol.at(-1)!).toBeGreaterThan(vol[0]!);
    expect(vol.at(-1)!).toBeLessThan(10 * 2 ** 30 * 0.95);
    // The counter formula: monotone for any rate and time.
    for (let t = 0; t < 1000; t += 7) expect(cpuSeconds(0.3, t + 7)).toBeGreaterThanOrEqual(cpuSeconds(0.3, t));
  });

  it('is valid exposition format for Prometheus (promtool check metrics)', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: metrics(), encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
    // ... and the linter does complain about what it should.
    const bad = spawnSync('promtool', ['check', 'metrics'], { input: '# TYPE foo counter\nfoo 1\n', encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
  });
});
