/**
 * A real Prometheus (Debian's `prometheus` binary, own config, temporary TSDB, 1 s scrapes) scrapes a
 * running platform (API + worker, /metrics) and the sim (/metrics over its HTTPS with the kubeconfig's
 * token and CA: kube-state-metrics, kubelet/cAdvisor, Argo CD, cert-manager series) while a store is
 * provisioned, with the alert rules loaded exactly as shipped. Then:
 * - every metric a dashboard or an alert names exists in /api/v1/label/__name__/values;
 * - every dashboard expression (Grafana's variables interpolated, $store = that store's id) is accepted
 *   by Prometheus and returns data — for the store dashboard, data labelled with that store's id;
 * - Prometheus loaded and evaluated every alert rule without error, and none is pending or firing for a
 *   healthy store; because each alert's condition is then legitimately false, each of its vector
 *   selectors is checked instead: it returns data, or (a matcher on a value that a healthy platform does
 *   not have: health_status="Degraded", status_code=~"5..") its metric returns data and carries every
 *   label the matchers name.
 * The harness runs API and worker in one process, so the platform target is scraped twice, labelled as
 * the chart's ServiceMonitor labels the API and worker Services (service=…-worker-metrics).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startPipelineHarness, type PipelineHarness } from '../../api/test/support/pipeline-harness.ts';
import { DEFAULT_LABELS_ALLOWLIST } from '../../sim/src/metrics/cluster-metrics.ts';
import { repoRoot } from './support/cluster-manifests.ts';
import { ALERT_RULE_FILES, dashboardExpressions, interpolate, matcherLabels, metricNames, vectorSelectors, type Dashboard } from './support/promql.ts';

type PromResult = { metric: Record<string, string>; value: [number, string] };
type Rule = { name: string; type: 'alerting' | 'recording'; query: string; health: string; lastError?: string; state?: string };

let h: PipelineHarness;
let prom: ChildProcess;
let promUrl: string;
let dir: string;
let storeId: string;
let owner: Awaited<ReturnType<PipelineHarness['signUp']>>;
let dashboards: Dashboard[];
let promLog = '';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function api<T>(path: string, params: Record<string, string> = {}): Promise<{ status: string; data: T; error?: string; errorType?: string }> {
  const res = await fetch(`${promUrl}${path}?${new URLSearchParams(params)}`);
  return (await res.json()) as { status: string; data: T; error?: string };
}
const query = (q: string) => api<{ resultType: string; result: PromResult[] }>('/api/v1/query', { query: q });

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${promLog.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prometheus-e2e-'));
  // The port is chosen before the platform starts, so its usage endpoint reads from this Prometheus.
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  h = await startPipelineHarness({ PROMETHEUS_URL: promUrl });
  const kubeconfig = parse(await readFile(h.sim.kubeconfigPath, 'utf8'));
  await writeFile(join(dir, 'sim-ca.pem'), Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64'));
  await writeFile(join(dir, 'sim-token'), h.sim.token);
  // The rules as shipped: the chart's rule file as is, argocd/'s PrometheusRule's spec.
  const ruleFiles: string[] = [];
  for (const [i, f] of ALERT_RULE_FILES.entries()) {
    const doc = parse(await readFile(join(repoRoot, f), 'utf8'));
    ruleFiles.push(join(dir, `rules-${i}.yaml`));
    await writeFile(ruleFiles[i]!, stringify(doc.kind === 'PrometheusRule' ? doc.spec : doc));
  }
  const platform = new URL(h.baseUrl).host;
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: [
      {
        job_name: 'store-platform',
        static_configs: [
          { targets: [platform], labels: { service: 'store-platform-api', pod: 'store-platform-api-0', namespace: 'store-platform' } },
          { targets: [platform], labels: { service: 'store-platform-worker-metrics', pod: 'store-platform-worker-0', namespace: 'store-platform' } },
        ],
      },
      {
        // The sim stands for the cluster's exporters; their series keep their own namespace/pod labels
        // (kube-prometheus-stack's kube-state-metrics and kubelet ServiceMonitors set honorLabels too).
        job_name: 'sim-cluster-exporters',
        scheme: 'https',
        honor_labels: true,
        authorization: { credentials_file: join(dir, 'sim-token') },
        tls_config: { ca_file: join(dir, 'sim-ca.pem') },
        static_configs: [{ targets: [new URL(h.sim.url).host] }],
      },
    ],
  };
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));
  prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  prom.stdout?.on('data', (d) => (promLog += d));
  prom.stderr?.on('data', (d) => (promLog += d));
  await until('Prometheus ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));
  // Both targets up before the store is created, so counters and histograms are seen from zero.
  await until('every target up', async () => {
    const r = await query('up');
    return r.data.result.length === 3 && r.data.result.every((s) => s.value[1] === '1') ? true : undefined;
  });

  owner = await h.signUp();
  const u = owner;
  const created = await h.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'prometheus-shop' } });
  expect(created.status).toBe(202);
  storeId = created.body.id;
  await h.waitForStore(u.token, storeId, (s) => s.status === 'Ready', 90_000);
  await h.request('GET', `/api/v1/stores/${storeId}`, { token: u.token });
  // A few scrapes of the Ready store, so every rate() has two samples of it.
  const start = Date.now();
  await until('the store\'s CPU rate', async () => {
    const r = await query(`rate(container_cpu_usage_seconds_total{namespace="store-${storeId}", container!=""}[1m])`);
    return r.data.result.length > 0 && Date.now() - start > 5000 ? true : undefined;
  });
  const folder = join(repoRoot, 'argocd', 'manifests', 'monitoring', 'dashboards');
  dashboards = await Promise.all((await readdir(folder)).filter((f) => f.endsWith('.json')).sort().map(async (f) => JSON.parse(await readFile(join(folder, f), 'utf8')) as Dashboard));
}, 240_000);

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom.once('exit', r));
    prom.kill('SIGTERM');
    await exited;
  }
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function alertRules(): Promise<Rule[]> {
  const r = await api<{ groups: { name: string; rules: Rule[] }[] }>('/api/v1/rules');
  return r.data.groups.flatMap((g) => g.rules);
}

describe('a real Prometheus scraping the platform and the sim', () => {
  it('the sim renders namespace and pod labels with the allowlist kube-state-metrics gets in argocd/', async () => {
    const values = parse(await readFile(join(repoRoot, 'argocd', 'values', 'kube-prometheus-stack.yaml'), 'utf8'));
    expect(DEFAULT_LABELS_ALLOWLIST).toEqual(values['kube-state-metrics'].metricLabelsAllowlist);
  });

  it('every metric the dashboards and alerts name exists', async () => {
    const names = new Set((await api<string[]>('/api/v1/label/__name__/values')).data);
    const used = new Set<string>();
    for (const d of dashboards) for (const e of dashboardExpressions(d)) for (const n of metricNames(e.expr)) used.add(n);
    for (const r of await alertRules()) for (const n of metricNames(r.query)) used.add(n);
    expect(used.size).toBeGreaterThanOrEqual(20);
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });

  /** What a healthy, just-provisioned store and platform must show (the panel's every series). */
  const HEALTHY: Record<string, string> = {
    'store-platform-stores: Pods not ready': '0',
    'store-platform-stores: Container restarts (1h)': '0',
    'store-platform-platform: 5xx ratio': '0',
    'store-platform-platform: Platform pods up': '1',
  };

  it('every dashboard expression is accepted and returns data for the store', async () => {
    const empty: string[] = [];
    let checked = 0;
    for (const d of dashboards) {
      for (const e of dashboardExpressions(d)) {
        const expr = interpolate(e.expr, { store: storeId, rateInterval: '1m' });
        const r = await query(expr);
        expect(r.status, `${e.where}: ${r.error}`).toBe('success');
        checked++;
        if (!r.data.result.length) empty.push(`${e.where}: ${expr}`);
        if (e.where in HEALTHY) expect(r.data.result.map((s) => s.value[1]), e.where).toEqual(r.data.result.map(() => HEALTHY[e.where]));
        for (const s of r.data.result) {
          if ('label_store_platform_io_store_id' in s.metric) expect(s.metric.label_store_platform_io_store_id, e.where).toBe(storeId);
        }
        if (e.variable) expect(r.data.result.map((s) => s.metric[e.variable!.label]), e.where).toContain(storeId);
        if (/^(sum|max) by \(label_store_platform_io_store_id\)/.test(e.expr)) {
          expect(r.data.result.map((s) => s.metric.label_store_platform_io_store_id), e.where).toEqual([storeId]);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(empty).toEqual([]);
  });

  it('a dashboard with a store variable filters every panel by it: another store id returns nothing', async () => {
    const other = '00000000-0000-4000-8000-000000000000';
    const perStore = dashboards.filter((d) => d.templating.list.some((v) => v.name === 'store'));
    expect(perStore.length).toBe(1);
    for (const d of perStore) {
      for (const e of dashboardExpressions(d).filter((x) => !x.variable)) {
        expect(e.expr, e.where).toContain('$store');
        expect((await query(interpolate(e.expr, { store: other, rateInterval: '1m' }))).data.result, e.where).toEqual([]);
      }
    }
  });

  it('GET /stores/:id/usage answers the owner from this Prometheus, with the sim\'s series for the store', async () => {
    const r = await h.request('GET', `/api/v1/stores/${storeId}/usage?range=1h`, { token: owner.token });
    expect(r.status).toBe(200);
    expect(r.body.monitoring).toBe('ok');
    const last = (name: string) => (r.body.metrics[name].points as { value: number }[]).at(-1)?.value;
    expect(last('cpu')).toBeGreaterThan(0);
    expect(last('memory')).toBeGreaterThan(0);
    expect(last('storageRequested')).toBeGreaterThan(0);
    expect(last('storageUsed')).toBeGreaterThan(0);
    expect(last('storageUsed')!).toBeLessThan(last('storageRequested')!);
    expect(last('restarts')).toBe(0);
    const stranger = await h.signUp();
    expect((await h.request('GET', `/api/v1/stores/${storeId}/usage`, { token: stranger.token })).status).toBe(403);
  });

  it('the store\'s usage is what the sim simulates: CPU and memory above zero, volumes partly used', async () => {
    const ns = `namespace="store-${storeId}"`;
    const cpu = Number((await query(`sum(rate(container_cpu_usage_seconds_total{${ns}, container!=""}[1m]))`)).data.result[0]?.value[1]);
    const mem = Number((await query(`sum(container_memory_working_set_bytes{${ns}, container!=""})`)).data.result[0]?.value[1]);
    const limit = Number((await query(`sum(kube_pod_container_resource_limits{${ns}, resource="memory"} * on(uid) group_left() (kube_pod_status_phase{phase="Running"} == 1))`)).data.result[0]?.value[1]);
    const vol = (await query(`kubelet_volume_stats_used_bytes{${ns}} / kubelet_volume_stats_capacity_bytes{${ns}}`)).data.result.map((s) => Number(s.value[1]));
    expect(cpu).toBeGreaterThan(0);
    expect(mem).toBeGreaterThan(0);
    expect(mem).toBeLessThan(limit);
    expect(vol.length).toBeGreaterThanOrEqual(1);
    for (const v of vol) expect(v > 0 && v < 0.95, String(v)).toBe(true);
  });

  it('loads every alert rule as shipped, evaluates each without error, and none is active for a healthy store', async () => {
    const rules = (await alertRules()).filter((r) => r.type === 'alerting');
    expect(rules.length).toBeGreaterThanOrEqual(9);
    await until('every rule evaluated', async () => ((await alertRules()).every((r) => r.health === 'ok') ? true : undefined), 10_000).catch(() => undefined);
    for (const r of await alertRules()) expect(`${r.name}: ${r.health} ${r.lastError ?? ''}`).toBe(`${r.name}: ok `);
    expect(rules.filter((r) => r.state !== 'inactive').map((r) => `${r.name}: ${r.state}`)).toEqual([]);
  });

  it('each alert\'s selectors return data (its condition is false for a healthy store, so its own result is empty)', async () => {
    const fallbacks: string[] = [];
    for (const rule of (await alertRules()).filter((r) => r.type === 'alerting')) {
      const whole = await query(rule.query);
      expect(whole.status, rule.name).toBe('success');
      const selectors = vectorSelectors(rule.query);
      expect(selectors.length, rule.name).toBeGreaterThan(0);
      for (const s of selectors) {
        const r = await query(s.selector);
        expect(r.status, `${rule.name}: ${s.selector}`).toBe('success');
        if (r.data.result.length) continue;
        // A value a healthy platform does not have: the metric exists and carries the labels matched on.
        const series = (await query(s.name)).data.result;
        expect(series.length, `${rule.name}: ${s.name}`).toBeGreaterThan(0);
        for (const l of matcherLabels(s.matchers)) expect(series.some((x) => l in x.metric), `${rule.name}: ${s.name} has no label ${l}`).toBe(true);
        fallbacks.push(`${rule.name}: ${s.selector}`);
      }
    }
    console.log(`alert selectors that match no series on a healthy platform (metric and labels checked instead):\n${fallbacks.join('\n')}`);
  });
  // Last: it makes the store unhealthy.
  it('a crash-looping container shows on the store dashboard: restarts, a pod not ready, the waiting reason', async () => {
    const byTitle = (title: string) => dashboardExpressions(dashboards.find((d) => d.templating.list.some((v) => v.name === 'store'))!).find((e) => e.where.endsWith(`: ${title}`))!;
    h.sim.faults.add({ type: 'crashLoop', namespace: `store-${storeId}`, container: 'wordpress' });
    const restarts = interpolate(byTitle('Container restarts (1h)').expr, { store: storeId, rateInterval: '1m' });
    const notReady = interpolate(byTitle('Pods not ready').expr, { store: storeId, rateInterval: '1m' });
    await until('restarts on the dashboard', async () => ((await query(restarts)).data.result.some((s) => Number(s.value[1]) > 0) ? true : undefined), 60_000);
    await until('a pod not ready on the dashboard', async () => ((await query(notReady)).data.result.some((s) => Number(s.value[1]) >= 1) ? true : undefined), 30_000);
    const waiting = await query(`kube_pod_container_status_waiting_reason{namespace="store-${storeId}", container="wordpress"}`);
    expect(waiting.data.result.map((s) => s.metric.reason)).toContain('CrashLoopBackOff');
  });
});
