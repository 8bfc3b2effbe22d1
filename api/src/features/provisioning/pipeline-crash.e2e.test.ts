import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';
import { spawnApi } from '../../../test/support/spawn-api.ts';
import { startGitPushInterceptor, type PushMoment, type PushVerdict } from '../../../test/support/git-push-interceptor.ts';

type Proc = Awaited<ReturnType<typeof spawnApi>>;
let h: PipelineHarness;
let proxy: Awaited<ReturnType<typeof startGitPushInterceptor>>;
let onPush: (m: PushMoment) => PushVerdict | void = () => undefined;
const procs: Proc[] = [];

beforeAll(async () => {
  // Workers run as separate processes here.
  // Spec durations at their real length (progress deadlines of 300/600 s): 50 stores on a loaded 2-core
  // machine may take longer than the ten-times-shorter test deadlines, and a deadline is not what this proves.
  h = await startPipelineHarness({}, { worker: false, timings: { timeScale: 1 } });
  proxy = await startGitPushInterceptor(h.git.url, (m) => onPush(m));
}, 120_000);
afterAll(async () => {
  for (const p of procs) p.crash();
  await proxy?.close();
  await h?.close();
});

/** A worker process: same database, cluster and repo; it pushes through the interceptor. */
async function startWorker(env: Record<string, string> = {}): Promise<Proc> {
  const p = await spawnApi({
    ...h.env,
    ROLES: 'worker,api', // the api role only serves /readyz here; it tells us the process is up
    GITOPS_REPO: proxy.url + '/gitops.git',
    GITOPS_REPO_URL: h.git.repoUrl('gitops.git'),
    LOG_LEVEL: 'info', // spawnApi waits for the 'listening' line
    ...env,
  });
  procs.push(p);
  return p;
}

const git = (...args: string[]) => execFileSync('git', ['--git-dir', h.repoPath, ...args], { encoding: 'utf8' });
/** Commits that touched the store's folder (several stores may share one commit). */
const provisionCommits = (id: string) => git('log', '--format=%H', 'main', '--', `stores/${id}`).split('\n').filter(Boolean);
const row = (id: string) => h.platform.knex('stores').where('id', id).first();
async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('crash safety: SIGKILL a worker mid-provision, restart, nothing lost or duplicated', () => {
  it('killed between secret generation and commit, then after the commit before the status update → Ready, one commit, same secrets', async () => {
    const u = await h.signUp();
    const id = (await h.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'phoenix' } })).body.id;

    // 1. Die as the push starts: secrets are generated and persisted, nothing is in Git.
    let killedAt: PushMoment | undefined;
    let w = await startWorker({ JOB_LOCK_LIFETIME_MS: '1500' });
    const first = w;
    onPush = (m) => {
      if (m !== 'before-push') return;
      killedAt = m;
      first.crash();
      return 'drop';
    };
    await until('the first kill', () => killedAt === 'before-push');
    await until('the worker to die', () => first.proc.exitCode !== null || first.proc.signalCode !== null);
    const afterFirst = await row(id);
    expect(afterFirst.sealed_secrets).not.toBeNull();
    expect(afterFirst.commit_sha).toBeNull();
    expect(provisionCommits(id)).toHaveLength(0);
    const sealed = afterFirst.sealed_secrets;
    const adminPassword = h.platform.secrets.open(afterFirst.admin_password_enc, id);

    // 2. Restart; die right after the push landed, before the store row learns of it.
    killedAt = undefined;
    w = await startWorker({ JOB_LOCK_LIFETIME_MS: '1500' });
    const second = w;
    onPush = (m) => {
      if (m !== 'after-push' || killedAt) return;
      killedAt = m;
      second.crash();
    };
    await until('the second kill', () => killedAt === 'after-push');
    await until('the worker to die', () => second.proc.exitCode !== null || second.proc.signalCode !== null);
    expect(provisionCommits(id)).toHaveLength(1);
    expect((await row(id)).commit_sha).toBeNull();

    // 3. Restart for good: the job runs again, finds its change already in Git, records it, goes Ready.
    onPush = () => undefined;
    await startWorker({ JOB_LOCK_LIFETIME_MS: '1500' });
    const ready = await h.waitForStore(u.token, id, (s) => s.status === 'Ready' || s.status === 'Error', 120_000);
    expect(ready.status).toBe('Ready');
    expect(provisionCommits(id)).toHaveLength(1);
    const final = await row(id);
    expect(final.sealed_secrets).toEqual(sealed);
    expect(ready.credentials.password).toBe(adminPassword);
    expect(final.commit_sha).toBe(git('log', '-1', '--format=%H', 'main', '--', `stores/${id}`).trim());
  }, 240_000);
});

describe('scale-out: two worker processes share the work', () => {
  it('50 stores created at once → all Ready, linear history, each store directory exactly once, each committed once', async () => {
    for (const p of procs) p.crash();
    onPush = () => undefined;
    // 50 stores committed in one or two batches reach the sim together: the deadline from the commit
    // (STORE_READY_TIMEOUT_SECONDS, 120 s in the harness) is not what this proves.
    await Promise.all([startWorker({ STORE_READY_TIMEOUT_SECONDS: '900' }), startWorker({ STORE_READY_TIMEOUT_SECONDS: '900' })]);
    const users = await Promise.all(Array.from({ length: 10 }, () => h.signUp()));
    const created = await Promise.all(
      users.flatMap((u, i) =>
        Array.from({ length: 5 }, (_, j) =>
          h.request('POST', '/api/v1/stores', { token: u.token, body: { name: `fleet-${i}-${j}` } }).then((r) => ({ token: u.token, res: r })),
        ),
      ),
    );
    expect(
      created.map((c) => c.res.status).filter((s) => s !== 202),
      JSON.stringify(created.find((c) => c.res.status !== 202)?.res.body),
    ).toEqual([]);
    const ids = created.map((c) => c.res.body.id as string);
    const deadline = Date.now() + 240_000;
    for (;;) {
      const rows = await h.platform.knex('stores').whereIn('id', ids).select('status', 'message');
      if (rows.every((r) => r.status === 'Ready')) break;
      if (rows.some((r) => r.status === 'Error') || Date.now() > deadline)
        throw new Error(`not all Ready: ${JSON.stringify(rows.map((r) => (r.status === 'Error' ? r.message : r.status)))}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(git('rev-list', '--min-parents=2', 'main').trim()).toBe(''); // linear: no merge commits
    const dirs = git('ls-tree', '--name-only', 'main:stores').trim().split('\n');
    for (const id of ids) {
      expect(dirs.filter((d) => d === id)).toHaveLength(1);
      expect(provisionCommits(id)).toHaveLength(1);
    }
    const commits = Number(git('rev-list', '--count', 'main', '--', 'stores').trim());
    expect(commits).toBeLessThanOrEqual(ids.length + 1); // batching may make it fewer, never more
  }, 300_000);
});
