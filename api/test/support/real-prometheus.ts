import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';
const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? 'promtool';

/** What a store's exporters report in the sample data, per container / volume. */
export type SampleUsage = {
  /** CPU cores each container uses (its counter grows by this much a second). */
  cpuCores: Record<string, number>;
  memoryBytes: Record<string, number>;
  /** Per PersistentVolumeClaim: bytes used and requested. */
  volumes: Record<string, { used: number; requested: number }>;
  /** Restarts of each container: `before` for the first three quarters of the data, `after` in the last quarter. */
  restarts: Record<string, { before: number; after: number }>;
};

/**
 * OpenMetrics text of one store namespace's series every `intervalSeconds` from `from` to `to` (unix
 * seconds), named and labelled as cAdvisor, the kubelet and kube-state-metrics export them — including
 * cAdvisor's pod-level cgroup series (`container=""`), which a correct query must leave out.
 */
export function storeUsageOpenMetrics(namespace: string, u: SampleUsage, from: number, to: number, intervalSeconds = 15): string {
  const times: number[] = [];
  for (let t = from; t <= to; t += intervalSeconds) times.push(t);
  return renderUsage(namespace, u, { times, from, switchAt: from + (to - from) * 0.75, format: 'openmetrics' });
}

/** The same series as an exporter serves them at one moment (Prometheus text format 0.0.4, no timestamps): counters grow from `from`. */
export function storeUsageExposition(namespace: string, u: SampleUsage, from: number, now: number): string {
  return `${renderUsage(namespace, u, { times: [now], from, switchAt: Number.POSITIVE_INFINITY, format: 'text' })}\n`;
}

function renderUsage(namespace: string, u: SampleUsage, o: { times: number[]; from: number; switchAt: number; format: 'openmetrics' | 'text' }): string {
  const { times, from, switchAt } = o;
  const pod = (c: string) => (c === 'mysql' ? 'mysql-0' : 'wordpress-7d9c-abcde');
  const lines: string[] = [];
  const series = (name: string, labels: Record<string, string>, value: (t: number) => number) => {
    const l = Object.entries({ namespace, ...labels })
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    for (const t of times) lines.push(o.format === 'openmetrics' ? `${name}{${l}} ${value(t)} ${t}` : `${name}{${l}} ${value(t)}`);
  };
  const totalCpu = Object.values(u.cpuCores).reduce((a, b) => a + b, 0);
  // OpenMetrics names a counter's family without `_total`; the text format names it as its samples.
  const family = (name: string, type: string, body: () => void) => {
    lines.push(`# TYPE ${o.format === 'openmetrics' || type !== 'counter' ? name : `${name}_total`} ${type}`);
    body();
  };
  family('container_cpu_usage_seconds', 'counter', () => {
    for (const [c, cores] of Object.entries(u.cpuCores)) series('container_cpu_usage_seconds_total', { pod: pod(c), container: c }, (t) => cores * (t - from));
    series('container_cpu_usage_seconds_total', { pod: pod('wordpress'), container: '' }, (t) => totalCpu * 2 * (t - from));
  });
  family('container_memory_working_set_bytes', 'gauge', () => {
    for (const [c, bytes] of Object.entries(u.memoryBytes)) series('container_memory_working_set_bytes', { pod: pod(c), container: c }, () => bytes);
    series('container_memory_working_set_bytes', { pod: pod('wordpress'), container: '' }, () => 7 * 1024 ** 3);
  });
  family('kubelet_volume_stats_used_bytes', 'gauge', () => {
    for (const [pvc, v] of Object.entries(u.volumes)) series('kubelet_volume_stats_used_bytes', { persistentvolumeclaim: pvc }, () => v.used);
  });
  family('kube_persistentvolumeclaim_resource_requests_storage_bytes', 'gauge', () => {
    for (const [pvc, v] of Object.entries(u.volumes))
      series('kube_persistentvolumeclaim_resource_requests_storage_bytes', { persistentvolumeclaim: pvc }, () => v.requested);
  });
  family('kube_pod_container_status_restarts', 'counter', () => {
    for (const [c, r] of Object.entries(u.restarts))
      series('kube_pod_container_status_restarts_total', { pod: pod(c), container: c, uid: `uid-${c}` }, (t) => (t < switchAt ? r.before : r.after));
  });
  return lines.join('\n');
}

export type RealPrometheus = {
  /** Base URL, for PROMETHEUS_URL. */
  url: string;
  /** Stops the server (connections refused from then on). */
  stop(): Promise<void>;
  close(): Promise<void>;
};

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Debian's `prometheus` on a free loopback port, ready when `/-/ready` answers. `backfill`: OpenMetrics
 * text written into its TSDB first with `promtool tsdb create-blocks-from openmetrics` (as an operator
 * backfills). `scrapeTargets`: `host:port` endpoints it scrapes every second (`/metrics`), without
 * adding `job`/`instance` labels. `port`: listen
 * there (an API configured before Prometheus existed).
 */
export async function startRealPrometheus(opts: { backfill?: string; scrapeTargets?: string[]; port?: number }): Promise<RealPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const data = join(dir, 'data');
  if (opts.backfill !== undefined) {
    writeFileSync(join(dir, 'input.om'), `${opts.backfill}\n# EOF\n`);
    const backfill = spawnSync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'input.om'), data], { encoding: 'utf8' });
    if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${backfill.stderr || backfill.stdout || backfill.error}`);
  }
  const targets = opts.scrapeTargets ?? [];
  // job/instance dropped: scraped series then continue backfilled ones of the same labels.
  const scrape = targets.length
    ? `scrape_configs:\n  - job_name: exporters\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    static_configs:\n      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]\n    metric_relabel_configs:\n      - action: labeldrop\n        regex: job|instance\n`
    : 'scrape_configs: []\n';
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 15s\n${scrape}`);
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      '--config.file',
      join(dir, 'prometheus.yml'),
      '--storage.tsdb.path',
      data,
      '--storage.tsdb.retention.time',
      '30d',
      '--web.listen-address',
      `127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 300) throw new Error(`prometheus not ready after 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  return {
    url,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
