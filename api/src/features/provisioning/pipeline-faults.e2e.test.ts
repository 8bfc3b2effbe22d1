import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';

let h: PipelineHarness;
beforeAll(async () => {
  h = await startPipelineHarness();
}, 120_000);
afterAll(async () => h?.close());

async function create(token: string, name: string): Promise<string> {
  const res = await h.request('POST', '/api/v1/stores', { token, body: { name } });
  expect(res.status).toBe(202);
  return res.body.id;
}

describe('the pipeline under cluster faults (sim)', () => {
  it('crash-looping pods → Error with the reason; health unhealthy with details; retry after the fault → Ready', async () => {
    const u = await h.signUp();
    const id = await create(u.token, 'crashy');
    h.sim.faults.add({ type: 'crashLoop', namespace: `store-${id}`, container: 'wordpress' });
    const failed = await h.waitForStore(u.token, id, (s) => s.status === 'Error' || s.status === 'Ready', 120_000);
    expect(failed.status).toBe('Error');
    expect(failed.message).toMatch(/CrashLoopBackOff/);
    expect(failed).not.toHaveProperty('credentials');
    const health = await h.request('GET', `/api/v1/stores/${id}/health`, { token: u.token });
    expect(health.body.status).toBe('unhealthy');
    expect(health.body.components).toContainEqual(
      expect.objectContaining({ component: 'wordpress', ready: false, reason: 'CrashLoopBackOff', restarts: expect.any(Number) }),
    );
    expect(health.body.message).toMatch(/CrashLoopBackOff/);

    // An operator adds overrides.yaml through Git (as a merged pull request would); a retry re-renders the store.
    const work = mkdtempSync(join(tmpdir(), 'operator-'));
    // Asynchronous: the git server runs in this process and must keep answering.
    const sh = (...args: string[]) => promisify(execFile)('git', args, { cwd: work });
    await sh('clone', '-q', h.git.repoUrl('gitops.git'), '.');
    writeFileSync(join(work, 'stores', id, 'overrides.yaml'), '# operator: more PHP memory for this shop\nwordpress:\n  php:\n    memoryLimit: 384M\n');
    await sh('add', '.');
    await sh('-c', 'user.name=Operator', '-c', 'user.email=op@example.com', 'commit', '-qm', 'More PHP memory for crashy');
    await sh('push', '-q', 'origin', 'HEAD:main');
    rmSync(work, { recursive: true, force: true });

    h.sim.faults.clear();
    const retry = await h.request('POST', `/api/v1/stores/${id}/retry`, { token: u.token });
    expect(retry.status).toBe(202);
    expect(retry.body.status).toBe('Pending');
    const ready = await h.waitForStore(u.token, id, (s) => s.status === 'Ready', 120_000);
    expect(ready.credentials.password).toBeTruthy();
    expect((await h.request('POST', `/api/v1/stores/${id}/retry`, { token: u.token })).body.code).toBe('not_in_error');
    const tree = execFileSync('git', ['--git-dir', h.repoPath, 'ls-tree', '--name-only', `main:stores/${id}`], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(tree.sort()).toEqual(['application.yaml', 'overrides.yaml', 'values.yaml']);
    expect(execFileSync('git', ['--git-dir', h.repoPath, 'show', `main:stores/${id}/application.yaml`], { encoding: 'utf8' })).toContain(
      'store-platform.io/attempt',
    );
    const events = (await h.request('GET', `/api/v1/stores/${id}/events`, { token: u.token })).body.items.map((e: any) => e.reason);
    expect(events).toEqual(expect.arrayContaining(['Created', 'Committed', 'Degraded', 'RetryRequested', 'Healthy']));
  }, 240_000);

  it('a Ready store whose pods crash-loop → Error/degraded with the pod reasons (never Pending), URL and credentials kept; the fault lifted → Ready by itself', async () => {
    const u = await h.signUp();
    const id = await create(u.token, 'breaks-later');
    const ready = await h.waitForStore(u.token, id, (s) => s.status === 'Ready' || s.status === 'Error', 120_000);
    expect(ready.status).toBe('Ready');
    const password = ready.credentials.password;

    const fault = h.sim.faults.add({ type: 'crashLoop', namespace: `store-${id}`, container: 'wordpress' });
    const seen: string[] = [];
    const degraded = await h.waitForStore(u.token, id, (s) => (seen.push(`${s.status}/${s.phase}`), s.status !== 'Ready'), 60_000);
    expect(degraded).toMatchObject({ status: 'Error', phase: 'degraded', url: `https://${ready.domain}`, adminUrl: `https://${ready.domain}/wp-admin/` });
    expect(degraded.message).toMatch(/wordpress-[\w-]+: CrashLoopBackOff/);
    expect(degraded.credentials).toEqual({ username: 'admin', password });
    const list = await h.request('GET', '/api/v1/stores', { token: u.token });
    expect(list.body.items.find((s: any) => s.id === id)).toMatchObject({ status: 'Error', phase: 'degraded', url: `https://${ready.domain}` });

    h.sim.faults.remove(fault.id);
    const healed = await h.waitForStore(u.token, id, (s) => (seen.push(`${s.status}/${s.phase}`), s.status === 'Ready'), 60_000);
    expect(healed.credentials.password).toBe(password);
    expect(seen.filter((s) => s.startsWith('Pending'))).toEqual([]);
    const events = (await h.request('GET', `/api/v1/stores/${id}/events`, { token: u.token })).body.items.map((e: any) => `${e.status}/${e.phase}/${e.reason}`);
    expect(events.slice(-3)).toEqual(['Ready/ready/Healthy', 'Error/degraded/Degraded', 'Ready/ready/Healthy']);
    // Healing made no new commit: it is the same rollout, Ready again.
    expect(healed.commitSha).toBe(ready.commitSha);
  }, 240_000);

  it('a failed sync → Error with Argo CD’s message', async () => {
    const u = await h.signUp();
    const id = await create(u.token, 'unsyncable');
    h.sim.faults.add({ type: 'syncFailure', application: `store-${id}`, message: 'admission webhook "validate.example" denied the request' });
    const failed = await h.waitForStore(u.token, id, (s) => s.status === 'Error' || s.status === 'Ready', 120_000);
    expect(failed.status).toBe('Error');
    expect(failed.message).toContain('denied the request');
    h.sim.faults.clear();
  }, 180_000);

  it('the cluster API down for a while → retries, then Ready without operator action', async () => {
    const u = await h.signUp();
    h.sim.faults.add({ type: 'apiUnavailable', durationMs: 3000 });
    const id = await create(u.token, 'patient');
    const health = await h.request('GET', `/api/v1/stores/${id}/health`, { token: u.token });
    expect(health.status).toBe(503);
    expect(health.body.code).toBe('service_unavailable');
    const ready = await h.waitForStore(u.token, id, (s) => s.status === 'Ready' || s.status === 'Error', 120_000);
    expect(ready.status).toBe('Ready');
  }, 180_000);
});
