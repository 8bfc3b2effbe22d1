import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/test-platform.ts';
import { HttpPrometheusClient, PrometheusUnavailableError } from './prometheus-client.ts';
import { StoreUsage } from './usage.schema.ts';
import {
  startRealPrometheus,
  storeUsageExposition,
  storeUsageOpenMetrics,
  type RealPrometheus,
  type SampleUsage,
} from '../../../test/support/real-prometheus.ts';

// A real Prometheus (Debian's package) over data backfilled with promtool, behind the real API.
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const A: SampleUsage = {
  cpuCores: { wordpress: 0.2, mysql: 0.05 },
  memoryBytes: { wordpress: 150 * MiB, mysql: 350 * MiB },
  volumes: { 'data-mysql-0': { used: 1.5 * GiB, requested: 10 * GiB }, 'wordpress-content': { used: 0.5 * GiB, requested: 5 * GiB } },
  restarts: { wordpress: { before: 0, after: 2 }, mysql: { before: 1, after: 1 } },
};
const B: SampleUsage = {
  cpuCores: { wordpress: 3 },
  memoryBytes: { wordpress: 3 * GiB },
  volumes: { data: { used: 9 * GiB, requested: 20 * GiB } },
  restarts: { wordpress: { before: 7, after: 7 } },
};
const OPERATOR = 'ops@example.com';

let bare: TestPlatform;
let t: TestPlatform;
let prometheus: RealPrometheus;
let owner: { email: string; password: string; token: string };
let other: { email: string; password: string; token: string };
let operatorToken: string;
let storeA: string;
let storeB: string;

const login = async (p: TestPlatform, email: string, password: string) =>
  (await p.request('POST', '/api/v1/auth/login', { body: { email, password } })).body.accessToken as string;
const last = (points: { value: number }[]) => points[points.length - 1]!.value;

beforeAll(async () => {
  const env = { CREATE_RATE_LIMIT_PER_MINUTE: '1000', OPERATOR_EMAILS: OPERATOR };
  bare = await startTestPlatform(env);
  owner = await bare.signUp();
  other = await bare.signUp();
  await bare.signUp(OPERATOR);
  storeA = (await bare.request('POST', '/api/v1/stores', { token: owner.token, body: { name: 'metered-a' } })).body.id;
  storeB = (await bare.request('POST', '/api/v1/stores', { token: other.token, body: { name: 'metered-b' } })).body.id;
  const to = Math.floor(Date.now() / 15_000) * 15;
  const from = to - 2 * 3600;
  prometheus = await startRealPrometheus({
    backfill: [storeUsageOpenMetrics(`store-${storeA}`, A, from, to), storeUsageOpenMetrics(`store-${storeB}`, B, from, to)].join('\n'),
  });
  // The same database behind an API that knows the Prometheus.
  t = await startTestPlatform({ ...env, PROMETHEUS_URL: prometheus.url }, { databaseUrl: bare.databaseUrl });
  owner.token = await login(t, owner.email, owner.password);
  other.token = await login(t, other.email, other.password);
  operatorToken = await login(t, OPERATOR, 'correct horse battery staple');
});
afterAll(async () => {
  await t?.close();
  await bare?.close();
  await prometheus?.close();
});

describe('GET /api/v1/stores/:id/usage against a real Prometheus', () => {
  it('returns the store’s CPU, memory, storage and restarts as Prometheus computes them', async () => {
    const res = await t.request('GET', `/api/v1/stores/${storeA}/usage?range=1h`, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ monitoring: 'ok', range: '1h', stepSeconds: 60 });
    // The answer is what the OpenAPI document says it is.
    expect(StoreUsage.safeParse(res.body).error).toBeUndefined();
    const m = res.body.metrics;
    // 1 h at 1-minute steps, all within the 2 h of data: 61 points each.
    for (const name of ['cpu', 'memory', 'storageUsed', 'storageRequested', 'restarts']) expect(m[name].points, name).toHaveLength(61);
    expect(Date.parse(res.body.end) - Date.parse(res.body.start)).toBe(3600_000);
    // Containers only (cAdvisor's pod-level series doubles them) and this namespace only.
    expect(m.cpu.unit).toBe('cores');
    for (const p of m.cpu.points) expect(p.value).toBeCloseTo(0.25, 6);
    expect(m.memory.points.every((p: { value: number }) => p.value === 500 * MiB)).toBe(true);
    expect(last(m.storageUsed.points)).toBe(2 * GiB);
    expect(last(m.storageRequested.points)).toBe(15 * GiB);
    // The wordpress container restarted twice half an hour ago (the last quarter of the 2 h): 1, then 3.
    expect(m.restarts.points[0].value).toBe(1);
    expect(last(m.restarts.points)).toBe(3);
  });

  it('answers 24h and 7d with coarser steps over the same data', async () => {
    for (const [range, step] of [
      ['24h', 600],
      ['7d', 3600],
    ] as const) {
      const res = await t.request('GET', `/api/v1/stores/${storeA}/usage?range=${range}`, { token: owner.token });
      expect(res.status).toBe(200);
      expect(res.body.stepSeconds).toBe(step);
      const times = res.body.metrics.memory.points.map((p: { at: string }) => Date.parse(p.at) / 1000);
      expect(times.length).toBeGreaterThan(1);
      expect(times.slice(1).map((x: number, i: number) => x - times[i])).toEqual(Array(times.length - 1).fill(step));
      expect(last(res.body.metrics.memory.points)).toBe(500 * MiB);
      expect(last(res.body.metrics.cpu.points)).toBeCloseTo(0.25, 6);
    }
  });

  it('lets an operator read any store, and shows another store its own numbers', async () => {
    const res = await t.request('GET', `/api/v1/stores/${storeB}/usage`, { token: operatorToken });
    expect(res.status).toBe(200);
    expect(res.body.range).toBe('1h');
    expect(last(res.body.metrics.memory.points)).toBe(3 * GiB);
    expect(last(res.body.metrics.restarts.points)).toBe(7);
  });

  it('refuses another user’s store (403), an unknown one (404), a bad id, a bad range and any query text (422)', async () => {
    const problem = async (path: string, status: number, code: string) => {
      const res = await t.request('GET', path, { token: other.token });
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe(code);
      return res.body;
    };
    await problem(`/api/v1/stores/${storeA}/usage`, 403, 'forbidden');
    await problem('/api/v1/stores/00000000-0000-4000-8000-000000000000/usage', 404, 'not_found');
    await problem('/api/v1/stores/not-a-uuid/usage', 422, 'validation_failed');
    expect((await problem(`/api/v1/stores/${storeB}/usage?range=30d`, 422, 'validation_failed')).errors[0].field).toBe('range');
    expect((await problem(`/api/v1/stores/${storeB}/usage?query=up`, 422, 'validation_failed')).errors).toEqual([
      expect.objectContaining({ field: 'query', code: 'unknown_field' }),
    ]);
    expect((await t.request('GET', `/api/v1/stores/${storeA}/usage`)).status).toBe(401);
  });

  it('says monitoring is not configured when the platform has no PROMETHEUS_URL (access checked first)', async () => {
    const token = await login(bare, owner.email, owner.password);
    const res = await bare.request('GET', `/api/v1/stores/${storeA}/usage?range=7d`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ monitoring: 'not_configured', message: expect.stringContaining('not set up') });
    expect(StoreUsage.safeParse(res.body).success).toBe(true);
    expect((await bare.request('GET', `/api/v1/stores/${storeB}/usage`, { token })).status).toBe(403);
  });

  it('treats a query Prometheus refuses as Prometheus failing, with its reason', async () => {
    const end = Math.floor(Date.now() / 1000);
    const err = await new HttpPrometheusClient(prometheus.url).queryRange('sum(', { start: end - 60, end, stepSeconds: 60 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusUnavailableError);
    expect((err as Error).message).toMatch(/400: bad_data/);
  });

  it('answers a 503 problem with Retry-After once Prometheus is down', async () => {
    await prometheus.stop();
    const res = await t.request('GET', `/api/v1/stores/${storeA}/usage?range=1h`, { token: owner.token });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.body).toMatchObject({ status: 503, code: 'service_unavailable', detail: expect.stringContaining('Prometheus') });
  });
});

describe('GET /api/v1/stores/:id/usage from a Prometheus that scrapes an exporter', () => {
  let exporter: Server;
  let scraping: RealPrometheus;
  let api: TestPlatform;
  beforeAll(async () => {
    // An exporter serving the store's series as they are now (counters growing in real time), scraped every
    // second, over 10 minutes of its history backfilled (a rate over 5 minutes needs 5 minutes of samples).
    const steady = { ...A, restarts: { wordpress: { before: 2, after: 2 }, mysql: { before: 1, after: 1 } } };
    const from = Math.floor(Date.now() / 1000) - 600;
    exporter = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(storeUsageExposition(`store-${storeA}`, steady, from, Date.now() / 1000)),
    );
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', () => r()));
    scraping = await startRealPrometheus({
      backfill: storeUsageOpenMetrics(`store-${storeA}`, steady, from, from + 598, 5),
      scrapeTargets: [`127.0.0.1:${(exporter.address() as AddressInfo).port}`],
    });
    api = await startTestPlatform({ PROMETHEUS_URL: scraping.url }, { databaseUrl: bare.databaseUrl });
  });
  afterAll(async () => {
    await api?.close();
    await scraping?.close();
    exporter?.close();
  });

  it('reads what Prometheus scraped', async () => {
    const token = await login(api, owner.email, owner.password);
    const scrapedAt = async () => {
      const res = await fetch(
        `${scraping.url}/api/v1/query?query=${encodeURIComponent(`timestamp(container_memory_working_set_bytes{namespace="store-${storeA}",container="mysql"})`)}`,
      );
      const json = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return Number(json.data.result[0]?.value[1] ?? 0);
    };
    // Until a scraped sample is newer than the backfilled history.
    const started = Date.now() / 1000;
    while ((await scrapedAt()) < started) await new Promise((r) => setTimeout(r, 200));
    const body = (await api.request('GET', `/api/v1/stores/${storeA}/usage`, { token })).body;
    const m = body.metrics;
    expect(m.cpu.points.length).toBeGreaterThan(0);
    // rate() extrapolates to the window's edges by at most about one scrape interval: within 5 %.
    expect(Math.abs(last(m.cpu.points) - 0.25)).toBeLessThan(0.0125);
    expect(last(m.memory.points)).toBe(500 * MiB);
    expect(last(m.storageUsed.points)).toBe(2 * GiB);
    expect(last(m.storageRequested.points)).toBe(15 * GiB);
    expect(last(m.restarts.points)).toBe(3);
  });
});
