// `npm run bench`: speed and memory of the platform's hot paths, printed as tables. Not run by tests.
//   1. API: POST /api/v1/stores latency (validation, replay check, rate limit, quota lock, insert + job).
//   2. Pipeline: create → Ready for a burst of stores (real Git over http-backend, real helm, sim with fast timings).
//   3. Git writer: commit + push against the number of store folders (bench/git-writer.bench.ts).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startTestPlatform } from '../api/test/support/test-platform.ts';
import { startPipelineHarness } from '../api/test/support/pipeline-harness.ts';

const { values } = parseArgs({ options: { creates: { type: 'string', default: '200' }, stores: { type: 'string', default: '10' }, sizes: { type: 'string', default: '100,2000' } } });
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const mib = () => `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`;
function table(title: string, rows: Array<[string, string]>) {
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}\n${'-'.repeat(title.length)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

// 1. API create latency
{
  const t = await startTestPlatform({ CREATE_RATE_LIMIT_PER_MINUTE: '10000', LOG_LEVEL: 'warn' });
  const n = Number(values.creates);
  const users = await Promise.all(Array.from({ length: Math.ceil(n / 5) }, () => t.signUp()));
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const r = await t.request('POST', '/api/v1/stores', { token: users[Math.floor(i / 5)]!.token, body: { name: `bench-${i}` } });
    lat.push(performance.now() - s);
    if (r.status !== 202) throw new Error(`create ${i}: ${r.status}`);
  }
  const total = performance.now() - t0;
  const list: number[] = [];
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    await t.request('GET', '/api/v1/stores', { token: users[0]!.token });
    list.push(performance.now() - s);
  }
  table(`API (${n} sequential creates, ${users.length} users)`, [
    ['create p50', ms(pct(lat, 50))],
    ['create p95', ms(pct(lat, 95))],
    ['create max', ms(Math.max(...lat))],
    ['creates/s', (n / (total / 1000)).toFixed(0)],
    ['list p50 / p95', `${ms(pct(list, 50))} / ${ms(pct(list, 95))}`],
    ['process RSS', mib()],
  ]);
  await t.close();
}

// 2. Pipeline: create → Ready
{
  const h = await startPipelineHarness({ LOG_LEVEL: 'warn' });
  const n = Number(values.stores);
  const users = await Promise.all(Array.from({ length: Math.ceil(n / 5) }, () => h.signUp()));
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: n }, (_, i) => h.request('POST', '/api/v1/stores', { token: users[Math.floor(i / 5)]!.token, body: { name: `pipe-${i}` } }).then((r) => r.body.id as string)));
  const readyAt = new Map<string, number>();
  while (readyAt.size < n && performance.now() - t0 < 300_000) {
    const rows = await h.platform.knex('stores').whereIn('id', ids).select('id', 'status');
    for (const r of rows) if (r.status === 'Ready' && !readyAt.has(r.id)) readyAt.set(r.id, performance.now() - t0);
    const failed = await h.platform.knex('stores').whereIn('id', ids).where('status', 'Error').first();
    if (failed) throw new Error(`a store went to Error: ${failed.message}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const times = [...readyAt.values()];
  const stats = h.sim.stats();
  table(`Pipeline (${n} stores at once; sim timings: pod start 100 ms, ready 150 ms, deadlines ×0.1)`, [
    ['create → Ready p50', `${(pct(times, 50) / 1000).toFixed(1)} s`],
    ['create → Ready max', `${(Math.max(...times) / 1000).toFixed(1)} s`],
    ['git commits made', String(h.git.stats.pushes)],
    ['helm renders (sim)', String(stats.renders)],
    ['process RSS', mib()],
  ]);
  await h.close();
}

// 3. Git writer
console.log('');
const r = spawnSync(process.execPath, [join(root, 'bench', 'git-writer.bench.ts'), '--sizes', values.sizes, '--runs', '5'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
