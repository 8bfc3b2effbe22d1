import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';
import { spawnApi } from '../../../test/support/spawn-api.ts';
import { startGitPushInterceptor, type PushMoment, type PushVerdict } from '../../../test/support/git-push-interceptor.ts';
import { requestJson } from '../../../test/support/request-json.ts';

type Proc = Awaited<ReturnType<typeof spawnApi>>;
let h: PipelineHarness;
let proxy: Awaited<ReturnType<typeof startGitPushInterceptor>>;
let onPush: (m: PushMoment) => PushVerdict | void = () => undefined;
const procs: Proc[] = [];

beforeAll(async () => {
  // Spec durations at their real length: 40 stores on a loaded machine, and deadlines are not what this proves.
  h = await startPipelineHarness({}, { worker: false, timings: { timeScale: 1 } });
  proxy = await startGitPushInterceptor(h.git.url, (m) => onPush(m));
}, 120_000);
afterAll(async () => {
  for (const p of procs) p.crash();
  await proxy?.close();
  await h?.close();
});

/** `npm start`'s shape: one process with the API and the worker; it pushes through the interceptor. */
async function startProcess(): Promise<Proc> {
  const p = await spawnApi({
    ...h.env,
    ROLES: 'api,worker',
    GITOPS_REPO: proxy.url + '/gitops.git',
    GITOPS_REPO_URL: h.git.repoUrl('gitops.git'),
    JOB_LOCK_LIFETIME_MS: '1500',
    // A batch of stores reaches the sim at once: the deadline from the commit is not what this proves.
    STORE_READY_TIMEOUT_SECONDS: '900',
    LOG_LEVEL: 'info',
  });
  procs.push(p);
  return p;
}

const git = (...args: string[]) => execFileSync('git', ['--git-dir', h.repoPath, ...args], { encoding: 'utf8' });
/** Commits that touched the store's folder. */
const commitsOf = (id: string) => git('log', '--format=%H', 'main', '--', `stores/${id}`).split('\n').filter(Boolean);
/** Store folders the tip commit of main touched. */
const storesInTip = () => new Set([...git('show', '--name-only', '--format=', 'main').matchAll(/^stores\/([^/]+)\//gm)].map((m) => m[1]!)).size;
/** The OS pid of the process whose session holds the committer lock (see PgCommitterLock), if any. */
function committerPid(): number | undefined {
  const out = execFileSync(
    'psql',
    [
      h.databaseUrl,
      '-Atc',
      "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'store-platform committer%'",
    ],
    { encoding: 'utf8' },
  );
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}

/** Waits until every store is Ready (fails at once on an Error). */
async function allReady(ids: string[], timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await h.platform.knex('stores').whereIn('id', ids).select('status', 'message');
    if (rows.length === ids.length && rows.every((r) => r.status === 'Ready')) return;
    if (rows.some((r) => r.status === 'Error') || Date.now() > deadline)
      throw new Error(`not all Ready: ${JSON.stringify(rows.map((r) => (r.status === 'Error' ? r.message : r.status)))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Each store: exactly one commit touched its folder, at generation 1, and the recorded sha contains it. */
async function committedExactlyOnce(ids: string[]): Promise<void> {
  const rows = await h.platform.knex('stores').whereIn('id', ids).select('id', 'generation', 'committed_generation', 'commit_sha');
  expect(rows).toHaveLength(ids.length);
  for (const r of rows) {
    const commits = commitsOf(r.id);
    expect(commits, `store ${r.id}`).toHaveLength(1);
    expect([r.generation, r.committed_generation]).toEqual([1, 1]);
    // The recorded commit is the store's commit, or a later one when the committer died before recording
    // and the next run found the change already in Git (then nothing new was committed for it).
    execFileSync('git', ['--git-dir', h.repoPath, 'merge-base', '--is-ancestor', commits[0]!, r.commit_sha]);
  }
  expect(git('rev-list', '--min-parents=2', 'main').trim()).toBe(''); // linear
}

const createsOf = async (ids: string[]) =>
  Number((await h.platform.knex('audit_events').whereIn('store_id', ids).andWhere('action', 'store.create').count({ n: '*' }).first())!.n);

describe('the committer: one per repo, everything due in one commit per batch', () => {
  it('40 stores created at once on an API+worker process with a second worker process → all Ready, each committed exactly once, batched, no 5xx, one audit event per create', async () => {
    const [front] = await Promise.all([startProcess(), startProcess()]);
    const users = await Promise.all(Array.from({ length: 8 }, () => h.signUp()));
    const created = await Promise.all(
      users.flatMap((u, i) =>
        Array.from({ length: 5 }, (_, j) => requestJson(front!.baseUrl, 'POST', '/api/v1/stores', { token: u.token, body: { name: `batch-${i}-${j}` } })),
      ),
    );
    expect(created.map((r) => r.status).filter((s) => s !== 202)).toEqual([]);
    const ids = created.map((r) => r.body.id as string);
    await allReady(ids);
    await committedExactlyOnce(ids);
    const storeCommits = new Set(ids.flatMap(commitsOf)).size;
    expect(storeCommits).toBeLessThan(ids.length); // several stores per commit
    expect(await createsOf(ids)).toBe(ids.length);
  }, 420_000);

  it('the committer killed right after pushing a batch, before recording it → a new committer records it; still each store committed exactly once', async () => {
    // Kill whichever process holds the committer lock right after a push of several stores landed,
    // before it could record it; start a replacement.
    let killed: number | undefined;
    let replacement: Promise<Proc> | undefined;
    onPush = (m) => {
      if (m !== 'after-push' || killed !== undefined || storesInTip() < 2) return;
      const pid = committerPid();
      const victim = procs.find((p) => p.proc.pid === pid);
      if (!victim) return;
      killed = pid;
      victim.crash();
      replacement = startProcess();
    };
    const users = await Promise.all(Array.from({ length: 4 }, () => h.signUp()));
    const created = await Promise.all(
      users.flatMap((u, i) => Array.from({ length: 5 }, (_, j) => h.request('POST', '/api/v1/stores', { token: u.token, body: { name: `crash-${i}-${j}` } }))),
    );
    expect(created.map((r) => r.status).filter((s) => s !== 202)).toEqual([]);
    const ids = created.map((r) => r.body.id as string);
    await allReady(ids);
    await replacement;
    expect(killed, 'a committer was killed after a push of several stores').toBeDefined();
    await committedExactlyOnce(ids);
    expect(await createsOf(ids)).toBe(ids.length);
  }, 420_000);
});
