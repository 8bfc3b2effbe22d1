// Benchmark (issue 12, row 4): N stores created at once through the API → committed → Ready.
// Usage: node bench/committer-row4.bench.ts [--stores 1000] [--workers 2] [--concurrency 20] [--timeout-s 900] [--until ready|committed] [--timings healthy-cluster|slow] [--json out.json]
// Process 1 is `npm start`'s shape (API + worker in one process) and receives every create; processes
// 2..N are more workers. All share one PostgreSQL database, the GitOps repo (git http-backend) and the sim.
// Prints: create outcomes (5xx), committed/s (first create → every store has a commit), stores per
// commit, commits per store (git log), audit events vs creates, Ready over time, and a baseline (one CLI
// commit + push of one file per store, sequential) measured in the same run.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startPipelineHarness } from '../api/test/support/pipeline-harness.ts';
import { spawnApi } from '../api/test/support/spawn-api.ts';
import { requestJson } from '../api/test/support/request-json.ts';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '20' },
    'timeout-s': { type: 'string', default: '900' },
    'baseline-commits': { type: 'string', default: '20' },
    json: { type: 'string' },
    until: { type: 'string', default: 'ready' },
    // the sim's timings: `healthy-cluster` (a healthy real cluster, scaled) or `slow` (time scale 1, every step real length)
    timings: { type: 'string', default: 'healthy-cluster' },
  },
});
const N = Number(values.stores);
const WORKERS = Number(values.workers);
const CONC = Number(values.concurrency);
const TIMEOUT_MS = Number(values['timeout-s']) * 1000;
const PER_USER = 20;

const h = await startPipelineHarness({ LOG_LEVEL: 'warn' }, { worker: false, timings: values.timings === 'slow' ? { timeScale: 1 } : 'healthy-cluster' });
const procs: Awaited<ReturnType<typeof spawnApi>>[] = [];
const git = (...args: string[]) => execFileSync('git', ['--git-dir', h.repoPath, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
try {
  // Baseline in the same run: one CLI commit + push of one file per store, sequential, same server.
  const baseDir = await mkdtemp(join(tmpdir(), 'bench-row4-base-'));
  await exec('git', ['clone', '-q', h.git.repoUrl('gitops.git'), baseDir]);
  await exec('git', ['-C', baseDir, 'checkout', '-q', '-b', 'baseline']);
  const nBase = Number(values['baseline-commits']);
  const b0 = performance.now();
  for (let i = 0; i < nBase; i++) {
    await writeFile(join(baseDir, `baseline-${i}.yaml`), `n: ${i}\n`);
    await exec('git', ['-C', baseDir, 'add', '.']);
    await exec('git', ['-C', baseDir, '-c', 'user.name=b', '-c', 'user.email=b@x', 'commit', '-q', '-m', `baseline ${i}`]);
    await exec('git', ['-C', baseDir, 'push', '-q', 'origin', 'baseline']);
  }
  const baselinePerS = nBase / ((performance.now() - b0) / 1000);
  await rm(baseDir, { recursive: true, force: true });
  await exec('git', ['--git-dir', h.repoPath, 'branch', '-D', 'baseline']);

  for (let i = 0; i < WORKERS; i++) {
    procs.push(
      await spawnApi({
        ...h.env,
        ROLES: 'api,worker',
        LOG_LEVEL: 'info',
        STORE_READY_TIMEOUT_SECONDS: '3600',
      }),
    );
  }
  const front = procs[0]!;
  const users: Array<{ token: string; userId: string }> = [];
  for (let i = 0; i < Math.ceil(N / PER_USER); i++) users.push(await h.signUp());
  await h.platform
    .knex('users')
    .whereIn(
      'id',
      users.map((u) => u.userId),
    )
    .update({ store_quota: PER_USER });

  const jobs = Array.from({ length: N }, (_, i) => ({ token: users[Math.floor(i / PER_USER)]!.token, name: `row4-${i}` }));
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const ids: string[] = [];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      for (let j = next++; j < jobs.length; j = next++) {
        const s = performance.now();
        const r = await requestJson(front.baseUrl, 'POST', '/api/v1/stores', { token: jobs[j]!.token, body: { name: jobs[j]!.name } });
        latencies.push(performance.now() - s);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 202) ids.push(r.body.id);
      }
    }),
  );
  const createdS = (performance.now() - t0) / 1000;

  let allCommittedS: number | undefined;
  let allReadyS: number | undefined;
  const timeline: Array<{ s: number; committed: number; ready: number; error: number; connections: number }> = [];
  let maxConnections = 0;
  while (performance.now() - t0 < TIMEOUT_MS) {
    const row = (await h.platform
      .knex('stores')
      .whereIn('id', ids)
      .select(
        h.platform.knex.raw('count(commit_sha)::int AS committed'),
        h.platform.knex.raw("count(*) FILTER (WHERE status = 'Ready')::int AS ready"),
        h.platform.knex.raw("count(*) FILTER (WHERE status = 'Error')::int AS error"),
      )
      .first()) as { committed: number; ready: number; error: number };
    const conn = await h.platform.knex.raw('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()');
    const connections = conn.rows[0].n as number;
    maxConnections = Math.max(maxConnections, connections);
    const s = (performance.now() - t0) / 1000;
    timeline.push({ s: Math.round(s), ...row, connections });
    if (allCommittedS === undefined && row.committed === ids.length) allCommittedS = s;
    if (allCommittedS !== undefined && values.until === 'committed') break;
    if (row.ready === ids.length) {
      allReadyS = s;
      break;
    }
    if (timeline.length % 15 === 0) console.error(`  t=${Math.round(s)}s committed ${row.committed}/${ids.length} ready ${row.ready} error ${row.error}`);
    await new Promise((r) => setTimeout(r, 2000));
  }

  // Git: commits per store folder and stores per commit.
  const log = git('log', '--format=@%H', '--name-only', 'main', '--', 'stores');
  const perCommit: number[] = [];
  const perStore = new Map<string, number>();
  for (const chunk of log.split('@').filter(Boolean)) {
    const dirs = new Set([...chunk.matchAll(/^stores\/([^/]+)\//gm)].map((m) => m[1]!));
    perCommit.push(dirs.size);
    for (const d of dirs) perStore.set(d, (perStore.get(d) ?? 0) + 1);
  }
  const onceEach = ids.filter((id) => perStore.get(id) === 1).length;
  const audits = Number((await h.platform.knex('audit_events').whereIn('store_id', ids).andWhere('action', 'store.create').count({ n: '*' }).first())!.n);
  // The committers' own account of each batch (prepare = claim + secrets + render, push, record, refresh).
  const batchLogs = procs.flatMap((p, i) =>
    p
      .output()
      .split('\n')
      .filter((l) => l.includes('"batch committed"'))
      .map((l) => {
        const j = JSON.parse(l) as { stores: number; ms: Record<string, number> };
        return { process: i + 1, stores: j.stores, ...j.ms };
      }),
  );
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    stores: N,
    workers: WORKERS,
    concurrency: CONC,
    creates: Object.fromEntries(statuses),
    createSeconds: +createdS.toFixed(1),
    createP99Ms: +(sorted[Math.floor(sorted.length * 0.99)] ?? 0).toFixed(1),
    allCommittedSeconds: allCommittedS && +allCommittedS.toFixed(1),
    committedPerSecond: allCommittedS && +(ids.length / allCommittedS).toFixed(1),
    baselineCommitsPerSecond: +baselinePerS.toFixed(2),
    ratioToBaseline: allCommittedS && +(ids.length / allCommittedS / baselinePerS).toFixed(2),
    commits: perCommit.length,
    storesPerCommit: { max: Math.max(...perCommit), mean: +(perCommit.reduce((a, b) => a + b, 0) / perCommit.length).toFixed(1) },
    storesCommittedExactlyOnce: `${onceEach}/${ids.length}`,
    auditCreates: `${audits}/${ids.length}`,
    allReadySeconds: allReadyS && +allReadyS.toFixed(1),
    final: timeline.at(-1),
    maxDbConnections: maxConnections,
    batches: batchLogs,
  };
  console.log(JSON.stringify(result, null, 2));
  if (values.json) await writeFile(values.json, JSON.stringify({ ...result, timeline, perCommit }, null, 2));
} finally {
  for (const p of procs) p.crash();
  await h.close();
}
