// HTTP load generator for `npm run bench`, run as its OWN process so the client does not share an event
// loop with the server it measures. Keep-alive connections (one socket each), no pipelining.
// Usage: node bench/load-generator.ts <spec.json>; prints one JSON line with the result.
//   spec: { url, connections, requests: [{method, path, headers?, body?}], durationMs?, warmupMs? }
//   With durationMs the requests are cycled until time is up (warm-up first, not counted); without it
//   each request is sent exactly once (connections at a time).
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };
type Spec = { url: string; connections: number; requests: Req[]; durationMs?: number; warmupMs?: number };
export type LoadResult = {
  sent: number;
  ok: number;
  errors: number;
  /** HTTP status (or "network") → count */
  statuses: Record<string, number>;
  durationMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Response bodies of non-2xx answers (first few), to say why. */
  samples: string[];
};

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Spec;
const base = new URL(spec.url);
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections, maxFreeSockets: spec.connections });

function once(r: Req): Promise<{ status: number | 'network'; ms: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...(r.headers ?? {}) };
    if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
    const req = request({ host: base.hostname, port: base.port, method: r.method, path: r.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ status: 'network', ms: performance.now() - t0, body: e.message }));
    });
    req.on('error', (e) => resolve({ status: 'network', ms: performance.now() - t0, body: e.message }));
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

async function run(durationMs: number | undefined, record: boolean): Promise<LoadResult> {
  const lat: number[] = [];
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  let next = 0;
  let ok = 0;
  let errors = 0;
  const t0 = performance.now();
  const stopAt = durationMs === undefined ? Infinity : t0 + durationMs;
  const worker = async () => {
    for (;;) {
      if (performance.now() >= stopAt) return;
      let r: Req;
      if (durationMs === undefined) {
        if (next >= spec.requests.length) return;
        r = spec.requests[next++]!;
      } else r = spec.requests[next++ % spec.requests.length]!;
      const res = await once(r);
      if (!record) continue;
      lat.push(res.ms);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (typeof res.status === 'number' && res.status >= 200 && res.status < 300) ok++;
      else {
        errors++;
        if (samples.length < 5) samples.push(`${res.status} ${res.body.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const ms = performance.now() - t0;
  const sorted = lat.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  return {
    sent: lat.length,
    ok,
    errors,
    statuses,
    durationMs: ms,
    perSecond: (ok * 1000) / ms,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    samples,
  };
}

if (spec.warmupMs && spec.durationMs !== undefined) await run(spec.warmupMs, false);
const result = await run(spec.durationMs, true);
agent.destroy();
process.stdout.write(JSON.stringify(result) + '\n');
