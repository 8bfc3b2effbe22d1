/**
 * The Grafana dashboards (argocd/manifests/monitoring/dashboards/*.json): every PromQL expression —
 * panel targets and template-variable queries — parses (promtool check rules, each expression wrapped
 * as a recording rule, Grafana's variables replaced by sample values), and names only metrics that
 * exist: the platform's own (read from its metric registry, not from a list) or ones documented by the
 * upstream exporters. Whether they return data, from a real Prometheus scraping the platform and the
 * sim's exporter series, is prometheus.e2e.test.ts; no Grafana server runs.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createKnex } from '../../api/src/db/create-knex.ts';
import { Metrics } from '../../api/src/metrics/metrics.ts';
import { PipelineMetrics } from '../../api/src/features/provisioning/pipeline-metrics.ts';
import { promtool, repoRoot } from './support/cluster-manifests.ts';
import { dashboardExpressions as expressions, interpolate, metricNames, type Dashboard } from './support/promql.ts';

/** Metrics of other projects the dashboards and alerts use, with where each is documented. */
const UPSTREAM: Record<string, string> = {
  kube_namespace_labels: 'kube-state-metrics docs/metrics/cluster/namespace-metrics.md',
  kube_pod_status_ready: 'kube-state-metrics docs/metrics/workload/pod-metrics.md',
  kube_pod_status_phase: 'kube-state-metrics docs/metrics/workload/pod-metrics.md',
  kube_pod_container_status_restarts_total: 'kube-state-metrics docs/metrics/workload/pod-metrics.md',
  kube_persistentvolumeclaim_resource_requests_storage_bytes: 'kube-state-metrics docs/metrics/storage/persistentvolumeclaim-metrics.md',
  container_cpu_usage_seconds_total: 'cAdvisor docs/storage/prometheus.md (kubelet /metrics/cadvisor)',
  container_memory_working_set_bytes: 'cAdvisor docs/storage/prometheus.md (kubelet /metrics/cadvisor)',
  kubelet_volume_stats_used_bytes: 'Kubernetes kubelet metrics (pkg/kubelet/metrics/collectors/volume_stats.go)',
  kubelet_volume_stats_capacity_bytes: 'Kubernetes kubelet metrics (pkg/kubelet/metrics/collectors/volume_stats.go)',
  argocd_app_info: 'Argo CD operator-manual/metrics.md (application controller)',
  certmanager_certificate_expiration_timestamp_seconds: 'cert-manager v1.21 internal/collectors/certificate_collector.go',
  certmanager_certificate_ready_status: 'cert-manager v1.21 internal/collectors/certificate_collector.go',
  up: 'Prometheus: the scrape health series of every target',
};

let dashboards: Dashboard[];
let ours: Set<string>;
let dir: string;

beforeAll(async () => {
  const folder = join(repoRoot, 'argocd', 'manifests', 'monitoring', 'dashboards');
  dashboards = await Promise.all((await readdir(folder)).filter((f) => f.endsWith('.json')).sort().map(async (f) => JSON.parse(await readFile(join(folder, f), 'utf8')) as Dashboard));
  // The platform's real metric registry (the knex is never queried: collect() is not called).
  const metrics = new Metrics(async () => ({}));
  const knex = createKnex('postgres://nobody@127.0.0.1:1/none', 1);
  new PipelineMetrics(metrics.registry, knex);
  await knex.destroy();
  ours = new Set(metrics.registry.getMetricsAsArray().flatMap((m) => {
    const { name, type } = m as unknown as { name: string; type: string };
    return type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name];
  }));
  dir = await mkdtemp(join(tmpdir(), 'dashboards-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Grafana dashboards', () => {
  it('cover per-store usage and health, and the platform\'s requests, latency, errors and provisioning', () => {
    const titles = dashboards.flatMap((d) => d.panels.map((p) => `${d.uid}: ${p.title}`)).join('\n');
    for (const t of ['CPU by store', 'Memory working set by store', 'Volume use', 'Pods not ready', 'Container restarts', 'Requests per second', 'Latency', '5xx ratio', 'Provisioning duration', 'Provisioning outcomes']) {
      expect(titles).toContain(t);
    }
  });

  it('every expression parses (promtool check rules, wrapped as recording rules)', async () => {
    const all = dashboards.flatMap(expressions);
    expect(all.length).toBeGreaterThanOrEqual(20);
    const rules = all.map((e, i) => ({ record: `dashboard:expr_${i}`, expr: interpolate(e.expr) }));
    await writeFile(join(dir, 'dashboards.yaml'), stringify({ groups: [{ name: 'dashboards', rules }] }));
    const r = await promtool(['check', 'rules', 'dashboards.yaml'], dir);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.code, r.output).toBe(0);
    // ... and a broken one does not.
    await writeFile(join(dir, 'bad.yaml'), stringify({ groups: [{ name: 'bad', rules: [{ record: 'x:y', expr: interpolate('sum by (le (rate(x[$__rate_interval]))') }] }] }));
    expect((await promtool(['check', 'rules', 'bad.yaml'], dir)).code).not.toBe(0);
  });

  it('name only metrics that exist: the platform\'s own registry or documented upstream ones', () => {
    expect(ours.has('http_request_duration_seconds_bucket')).toBe(true);
    expect(ours.has('store_provisioning_total')).toBe(true);
    expect(ours.has('process_resident_memory_bytes')).toBe(true);
    const used = new Set<string>();
    for (const d of dashboards) {
      for (const { where, expr } of expressions(d)) {
        const names = metricNames(expr);
        expect(names.length, where).toBeGreaterThan(0);
        for (const n of names) {
          used.add(n);
          expect(ours.has(n) || n in UPSTREAM, `${where}: ${n}`).toBe(true);
        }
      }
    }
    // Every platform metric family is on a dashboard.
    for (const family of ['http_request_duration_seconds_count', 'store_provisioning_duration_seconds_bucket', 'store_provisioning_total', 'store_platform_stores', 'store_platform_jobs', 'gitops_commit_duration_seconds_bucket', 'store_status_cycle_duration_seconds_bucket']) {
      expect(used.has(family), family).toBe(true);
    }
    // The name extractor itself.
    expect(metricNames('sum by (le) (rate(foo_bucket{a="b"}[5m])) / on(x) group_left(y) bar * 2')).toEqual(['foo_bucket', 'bar']);
  });

  it('the alert rules also name only metrics that exist', async () => {
    const files = [join(repoRoot, 'charts', 'store-platform', 'files', 'platform-alerts.yaml'), join(repoRoot, 'argocd', 'manifests', 'monitoring', 'cluster-alerts.yaml')];
    let n = 0;
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      for (const m of text.matchAll(/^\s+expr: (?:\|\n((?:\s{10,}.*\n)+)|(.*)$)/gm)) {
        const expr = (m[1] ?? m[2]!).trim();
        for (const name of metricNames(expr)) {
          n++;
          expect(ours.has(name) || name in UPSTREAM, `${f}: ${name}`).toBe(true);
        }
      }
    }
    expect(n).toBeGreaterThanOrEqual(10);
  });
});
