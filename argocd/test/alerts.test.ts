/**
 * The alert rules with Debian's promtool: `promtool check rules` on the rules exactly as shipped (the
 * chart's PrometheusRule as helm renders it, and argocd/'s cluster rules), and `promtool test rules`:
 * each alert fires on a sample series and stays quiet without it. The unit tests run on a copy without
 * annotations (promtool compares annotations verbatim; their templates are checked by `check rules`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderChartText } from '../../charts/test/render-chart.ts';
import { kustomize, parseManifests, promtool, repoRoot } from './support/cluster-manifests.ts';

type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type Groups = { groups: { name: string; rules: Rule[] }[] };
type Series = { series: string; values: string };
type Case = { alert: string; fires: Series[]; quiet: Series[]; at: string; labels: Record<string, string> };

const J = 'job="store-platform"';
/** One firing and one quiet scenario per alert. */
const CASES: Case[] = [
  {
    alert: 'StoreProvisioningFailures', at: '10m', labels: { severity: 'warning' },
    fires: [{ series: `store_provisioning_total{${J}, outcome="failure", reason="SyncFailed"}`, values: '0 0 0 1 1 1 1 1 1 1 1' }],
    quiet: [{ series: `store_provisioning_total{${J}, outcome="success", reason="Healthy"}`, values: '0 1 2 3 4 5 6 7 8 9 10' }],
  },
  {
    // Pending for 60 minutes, and the counter was never exported (no store ever finished).
    alert: 'StoresStuckPending', at: '60m', labels: { severity: 'critical' },
    fires: [{ series: `store_platform_stores{${J}, status="Pending", pod="api-1"}`, values: '3x60' }],
    quiet: [
      { series: `store_platform_stores{${J}, status="Pending", pod="api-1"}`, values: '3x60' },
      { series: `store_provisioning_total{${J}, outcome="success", reason="Healthy"}`, values: '0+1x60' },
    ],
  },
  {
    alert: 'StorePlatformWorkersDown', at: '10m', labels: { severity: 'critical' },
    fires: [{ series: `up{${J}, service="store-platform-worker-metrics", pod="w-1"}`, values: '0x10' }],
    quiet: [{ series: `up{${J}, service="store-platform-worker-metrics", pod="w-1"}`, values: '1x10' }],
  },
  {
    // 10 of 100 requests per step answer 500 (10 %) vs 1 of 100 (1 %).
    alert: 'StorePlatformApiErrors', at: '15m', labels: { severity: 'critical' },
    fires: [
      { series: `http_request_duration_seconds_count{${J}, route="/api/v1/stores", status_code="500"}`, values: '0+10x15' },
      { series: `http_request_duration_seconds_count{${J}, route="/api/v1/stores", status_code="200"}`, values: '0+90x15' },
    ],
    quiet: [
      { series: `http_request_duration_seconds_count{${J}, route="/api/v1/stores", status_code="500"}`, values: '0+1x15' },
      { series: `http_request_duration_seconds_count{${J}, route="/api/v1/stores", status_code="200"}`, values: '0+99x15' },
    ],
  },
  {
    // Every request between 1 s and 2.5 s, vs every request under 100 ms.
    alert: 'StorePlatformApiLatency', at: '20m', labels: { severity: 'warning' },
    fires: ['0.1', '1', '2.5', '+Inf'].map((le) => ({ series: `http_request_duration_seconds_bucket{${J}, route="/api/v1/stores", le="${le}"}`, values: le === '0.1' || le === '1' ? '0x20' : '0+10x20' })),
    quiet: ['0.1', '1', '2.5', '+Inf'].map((le) => ({ series: `http_request_duration_seconds_bucket{${J}, route="/api/v1/stores", le="${le}"}`, values: '0+10x20' })),
  },
  {
    alert: 'ArgoApplicationDegraded', at: '15m', labels: { severity: 'warning', name: 'store-0b1c', project: 'stores', dest_namespace: 'store-0b1c' },
    fires: [{ series: 'argocd_app_info{name="store-0b1c", project="stores", dest_namespace="store-0b1c", health_status="Degraded", sync_status="Synced"}', values: '1x15' }],
    quiet: [{ series: 'argocd_app_info{name="store-0b1c", project="stores", dest_namespace="store-0b1c", health_status="Healthy", sync_status="Synced"}', values: '1x15' }],
  },
  {
    alert: 'ArgoApplicationOutOfSync', at: '40m', labels: { severity: 'warning', name: 'store-0b1c', project: 'stores' },
    fires: [{ series: 'argocd_app_info{name="store-0b1c", project="stores", dest_namespace="store-0b1c", health_status="Healthy", sync_status="OutOfSync"}', values: '1x40' }],
    quiet: [{ series: 'argocd_app_info{name="store-0b1c", project="stores", dest_namespace="store-0b1c", health_status="Healthy", sync_status="Synced"}', values: '1x40' }],
  },
  {
    // Expiry 10 days after the test's time 0, vs 60 days.
    alert: 'CertificateExpiringSoon', at: '2h', labels: { severity: 'warning', namespace: 'store-0b1c', name: 'store-0b1c-tls' },
    fires: [{ series: 'certmanager_certificate_expiration_timestamp_seconds{namespace="store-0b1c", name="store-0b1c-tls", issuer_name="letsencrypt-prod"}', values: `${10 * 86400}x120` }],
    quiet: [{ series: 'certmanager_certificate_expiration_timestamp_seconds{namespace="store-0b1c", name="store-0b1c-tls", issuer_name="letsencrypt-prod"}', values: `${60 * 86400}x120` }],
  },
  {
    alert: 'CertificateNotReady', at: '40m', labels: { severity: 'critical', namespace: 'store-0b1c', name: 'store-0b1c-tls' },
    fires: [
      { series: 'certmanager_certificate_ready_status{namespace="store-0b1c", name="store-0b1c-tls", condition="False"}', values: '1x40' },
      { series: 'certmanager_certificate_ready_status{namespace="store-0b1c", name="store-0b1c-tls", condition="True"}', values: '0x40' },
    ],
    quiet: [
      { series: 'certmanager_certificate_ready_status{namespace="store-0b1c", name="store-0b1c-tls", condition="False"}', values: '0x40' },
      { series: 'certmanager_certificate_ready_status{namespace="store-0b1c", name="store-0b1c-tls", condition="True"}', values: '1x40' },
    ],
  },
];

let dir: string;
let platform: Groups;
let cluster: Groups;
const alertsOf = (g: Groups) => g.groups.flatMap((x) => x.rules).filter((r) => r.alert).map((r) => r.alert!);
const withoutAnnotations = (g: Groups): Groups => ({ groups: g.groups.map((x) => ({ ...x, rules: x.rules.map(({ annotations: _a, ...r }) => r) })) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'promtool-'));
  const chart = parseManifests(await renderChartText({ chartDir: join(repoRoot, 'charts', 'store-platform'), releaseName: 'store-platform', valuesFiles: [join(repoRoot, 'argocd', 'values', 'store-platform.yaml')] }));
  platform = chart.find((o) => o.kind === 'PrometheusRule')!.spec as Groups;
  cluster = (await kustomize(join(repoRoot, 'argocd', 'manifests', 'monitoring'))).find((o) => o.kind === 'PrometheusRule')!.spec as Groups;
  await writeFile(join(dir, 'platform.yaml'), stringify(platform));
  await writeFile(join(dir, 'cluster.yaml'), stringify(cluster));
  await writeFile(join(dir, 'platform-test.yaml'), stringify(withoutAnnotations(platform)));
  await writeFile(join(dir, 'cluster-test.yaml'), stringify(withoutAnnotations(cluster)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('alert rules (promtool)', () => {
  it('pass promtool check rules as shipped', async () => {
    for (const f of ['platform.yaml', 'cluster.yaml']) {
      const r = await promtool(['check', 'rules', f], dir);
      expect(r.output, f).toMatch(/SUCCESS: \d+ rules found/);
      expect(r.code, r.output).toBe(0);
    }
    // promtool really checks: a broken expression is refused.
    await writeFile(join(dir, 'broken.yaml'), stringify({ groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'sum(rate(up[5m])' }] }] }));
    expect((await promtool(['check', 'rules', 'broken.yaml'], dir)).code).not.toBe(0);
  });

  it('cover the alerts the runbook promises, each with a test case and a runbook section', async () => {
    const all = [...alertsOf(platform), ...alertsOf(cluster)].sort();
    expect(all).toEqual(CASES.map((c) => c.alert).sort());
    const runbook = await readFile(join(repoRoot, 'docs', 'operations.md'), 'utf8');
    for (const g of [platform, cluster]) {
      for (const r of g.groups.flatMap((x) => x.rules)) {
        expect(runbook, r.alert).toContain(`### ${r.alert}`);
        expect(r.annotations?.runbook_url).toBe(`https://github.com/store-platform/store-platform/blob/main/docs/operations.md#${r.alert!.toLowerCase()}`);
        expect(r.labels?.severity).toMatch(/^(warning|critical)$/);
      }
    }
  });

  it('fire on a sample series and stay quiet without it (promtool test rules)', async () => {
    const tests = CASES.flatMap((c) => [
      { interval: '1m', input_series: c.fires, alert_rule_test: [{ eval_time: c.at, alertname: c.alert, exp_alerts: [{ exp_labels: c.labels }] }] },
      { interval: '1m', input_series: c.quiet, alert_rule_test: [{ eval_time: c.at, alertname: c.alert, exp_alerts: [] }] },
    ]);
    await writeFile(join(dir, 'tests.yaml'), stringify({ rule_files: ['platform-test.yaml', 'cluster-test.yaml'], evaluation_interval: '1m', tests }));
    const r = await promtool(['test', 'rules', 'tests.yaml'], dir);
    expect(r.output).toContain('SUCCESS');
    expect(r.code, r.output).toBe(0);
  });

  it('promtool test rules fails when an alert would not fire, so the test above can fail', async () => {
    const c = CASES[0]!;
    const tests = [{ interval: '1m', input_series: c.quiet, alert_rule_test: [{ eval_time: c.at, alertname: c.alert, exp_alerts: [{ exp_labels: c.labels }] }] }];
    await writeFile(join(dir, 'tests-neg.yaml'), stringify({ rule_files: ['platform-test.yaml'], evaluation_interval: '1m', tests }));
    const r = await promtool(['test', 'rules', 'tests-neg.yaml'], dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(c.alert);
  });
});
