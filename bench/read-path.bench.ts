// Benchmark: the read path at scale. GET /api/v1/stores (one user's list, and the operators' first page
// of every store) and POST /api/v1/stores with N stores already in the database, plus the statements
// each request sends. Not run by tests; numbers depend on the machine.
// Usage: node bench/read-path.bench.ts [--stores 10000] [--requests 2000] [--concurrency 50] [--creates 300] [--ops-query all=true]
import { parseArgs } from 'node:util';
import { startTestPlatform } from '../api/test/support/test-platform.ts';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    creates: { type: 'string', default: '300' },
    // the operators' page: before pagination existed, `all=true` alone (every store at once)
    'ops-query': { type: 'string', default: 'all=true&limit=50' },
  },
});
const storeCount = Number(values.stores);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const creates = Number(values.creates);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const t = await startTestPlatform({ CREATE_RATE_LIMIT_PER_MINUTE: '10000', LOG_LEVEL: 'warn', DEFAULT_STORE_QUOTA: '5' });
const me = await t.signUp();
const operator = await t.signUp();
await t.platform.knex('users').where('id', operator.userId).update({ role: 'operator' });
// N stores over N/5 users (5 each, the default quota), the measured user among them.
const k = t.platform.knex;
await k.raw(
  `INSERT INTO users (email, role) SELECT 'seed-' || g || '@example.com', 'user' FROM generate_series(1, ?) g`,
  [Math.max(0, Math.ceil(storeCount / 5) - 1)],
);
await k.raw(
  `INSERT INTO stores (owner_id, name, domain, status, phase, created_at)
   SELECT u.id, 'shop-' || n, 'shop-' || n || '-' || left(u.id::text, 8) || '.example.net',
          (ARRAY['Pending','Ready','Error'])[1 + (n % 3)], (ARRAY['queued','ready','failed'])[1 + (n % 3)],
          now() - make_interval(secs => random() * 86400)
     FROM (SELECT id, row_number() OVER (ORDER BY email) AS r FROM users WHERE email LIKE 'seed-%' OR id = ?) u,
          generate_series(1, 5) n
    LIMIT ?`,
  [me.userId, storeCount],
);
await k.raw('ANALYZE');
const total = Number((await k('stores').count({ n: '*' }).first())!.n);

async function load(path: string, token: string): Promise<{ rps: number; p50: number; p99: number; errors: string[] }> {
  const lat: number[] = [];
  const errors: string[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) {
        const s = performance.now();
        try {
          const r = await fetch(t.baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
          await r.arrayBuffer();
          if (r.status !== 200) errors.push(String(r.status));
          else lat.push(performance.now() - s);
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    }),
  );
  return { rps: (lat.length / (performance.now() - t0)) * 1000, p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

async function statements(fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const on = () => n++;
  k.on('query', on);
  await fn();
  k.off('query', on);
  return n;
}

const rows: Array<[string, string]> = [];
const fmt = (r: { rps: number; p50: number; p99: number; errors: string[] }) =>
  `${r.rps.toFixed(0)} req/s, p50 ${r.p50?.toFixed(1)} ms, p99 ${r.p99?.toFixed(1)} ms` +
  (r.errors.length ? `, ${r.errors.length} failed (${[...new Set(r.errors)].slice(0, 3).join('; ')})` : '');
await load('/api/v1/stores', me.token); // warm-up
rows.push([`GET /stores (own 5 of ${total}), ${concurrency} conn.`, fmt(await load('/api/v1/stores', me.token))]);
rows.push(['  statements', String(await statements(() => fetch(t.baseUrl + '/api/v1/stores', { headers: { authorization: `Bearer ${me.token}` } })))]);
const opsPath = `/api/v1/stores?${values['ops-query']}`;
// One at a time: before pagination this answered every store at once, and 50 of those at a time ran the pool dry.
const ops: number[] = [];
for (let i = 0; i < 20; i++) {
  const s = performance.now();
  const r = await fetch(t.baseUrl + opsPath, { headers: { authorization: `Bearer ${operator.token}` } });
  const body = (await r.json()) as { items: unknown[] };
  ops.push(performance.now() - s);
  if (i === 0) rows.push([`  ${opsPath} items`, String(body.items.length)]);
}
rows.push([`GET ${opsPath}, sequential`, `p50 ${pct(ops, 50).toFixed(1)} ms, max ${Math.max(...ops).toFixed(1)} ms`]);

const users = await Promise.all(Array.from({ length: Math.ceil(creates / 5) }, () => t.signUp()));
const lat: number[] = [];
for (let i = 0; i < creates; i++) {
  const s = performance.now();
  const r = await t.request('POST', '/api/v1/stores', { token: users[Math.floor(i / 5)]!.token, body: { name: `bench-${i}` } });
  lat.push(performance.now() - s);
  if (r.status !== 202) throw new Error(`create ${i}: ${r.status} ${JSON.stringify(r.body)}`);
}
rows.push([`POST /stores, sequential, ${creates}`, `p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms`]);
const extra = await t.signUp();
rows.push([
  '  statements',
  String(await statements(() => t.request('POST', '/api/v1/stores', { token: extra.token, body: { name: 'bench-counted' } }))),
]);

const w = Math.max(...rows.map(([a]) => a.length));
console.log(`\nread path, ${total} stores in the database\n`);
for (const [a, b] of rows) console.log(`${a.padEnd(w)}  ${b}`);
await t.close();
