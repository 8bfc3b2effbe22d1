import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';

const OPERATOR = `ops-${process.pid}@example.com`;
let h: PipelineHarness;
beforeAll(async () => {
  h = await startPipelineHarness({ OPERATOR_EMAILS: OPERATOR });
}, 120_000);
afterAll(async () => h?.close());

const git = (...args: string[]) => execFileSync('git', ['--git-dir', h.repoPath, ...args], { encoding: 'utf8' });
const ns = (id: string) => `store-${id}`;
const podsOf = (id: string, component: string) =>
  h.sim.store.list('v1', 'Pod', { namespace: ns(id), labelSelector: `app.kubernetes.io/component=${component}` }).filter((p) => !p.metadata.deletionTimestamp);
const pvcUids = (id: string) =>
  Object.fromEntries(h.sim.store.list('v1', 'PersistentVolumeClaim', { namespace: ns(id) }).map((p) => [p.metadata.name, p.metadata.uid as string]));
const holdingPage = (id: string) => h.sim.store.get('apps/v1', 'Deployment', ns(id), 'store-paused');
const ingressBackend = (id: string) =>
  h.sim.store.get('networking.k8s.io/v1', 'Ingress', ns(id), 'store-wordpress')?.spec.rules[0].http.paths[0].backend.service.name;
const storeCommits = (id: string) => git('rev-list', '--count', 'main', '--', `stores/${id}`).trim();

async function readyStore(token: string, name: string): Promise<string> {
  const created = await h.request('POST', '/api/v1/stores', { token, body: { name } });
  expect(created.status).toBe(202);
  const ready = await h.waitForStore(token, created.body.id, (s) => s.status === 'Ready' || s.status === 'Error', 90_000);
  expect(ready.status).toBe('Ready');
  return created.body.id;
}

describe('suspend and resume, end to end (real PostgreSQL, git http-backend, helm, sim)', () => {
  it('owner: suspend → one commit, pods gone, holding page, data kept → Suspended; resume → one commit → Ready with the pods back and the same PVCs', async () => {
    const u = await h.signUp();
    const id = await readyStore(u.token, 'hibernating');
    expect(podsOf(id, 'wordpress').length).toBeGreaterThan(0);
    expect(podsOf(id, 'mysql')).toHaveLength(1);
    const pvcs = pvcUids(id);
    expect(Object.keys(pvcs)).toHaveLength(2);
    const commitsBefore = Number(storeCommits(id));

    const asked = await h.request('POST', `/api/v1/stores/${id}/suspend`, { token: u.token, body: { reason: 'closed for the winter' } });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({
      status: 'Suspended',
      phase: 'suspending',
      suspension: { kind: 'owner', by: u.userId, reason: 'closed for the winter', ownerCanResume: true },
    });
    const suspended = await h.waitForStore(u.token, id, (s) => s.phase === 'suspended' || s.status === 'Error', 60_000);
    expect(suspended).toMatchObject({ status: 'Suspended', phase: 'suspended', url: `https://hibernating.${h.config.baseDomain}` });
    expect(suspended.credentials).toBeDefined(); // still the owner's, for when it comes back
    expect(Number(storeCommits(id))).toBe(commitsBefore + 1);
    expect(git('show', `main:stores/${id}/values.yaml`)).toMatch(/^suspended: true$/m);

    // in the cluster: WordPress and MySQL at zero with no pod left, the holding page serving, the data kept
    expect(h.sim.store.get('apps/v1', 'Deployment', ns(id), 'store-wordpress')!.spec.replicas).toBe(0);
    expect(h.sim.store.get('apps/v1', 'Deployment', ns(id), 'store-mysql')!.spec.replicas).toBe(0);
    expect(podsOf(id, 'wordpress')).toEqual([]);
    expect(podsOf(id, 'mysql')).toEqual([]);
    expect(h.sim.store.get('autoscaling/v2', 'HorizontalPodAutoscaler', ns(id), 'store-wordpress')).toBeUndefined();
    expect(h.sim.store.get('batch/v1', 'CronJob', ns(id), 'store-cron')!.spec.suspend).toBe(true);
    expect(holdingPage(id)).toBeDefined();
    expect((h.sim.store.get('v1', 'ConfigMap', ns(id), 'store-paused')!.data as Record<string, string>)['index.html']).toContain('This store is paused');
    expect(podsOf(id, 'paused').map((p) => p.status?.phase)).toEqual(['Running']);
    expect(ingressBackend(id)).toBe('store-paused');
    expect(pvcUids(id)).toEqual(pvcs);
    expect(h.sim.store.get('v1', 'Secret', ns(id), 'store-secrets')).toBeDefined();

    // the quota and the metrics tell suspended stores apart (they still count against the limit)
    expect((await h.request('GET', '/api/v1/stores', { token: u.token })).body.quota).toEqual({ limit: 5, used: 1, suspended: 1, mode: 'stores' });
    expect(await (await fetch(`${h.baseUrl}/metrics`)).text()).toMatch(/store_platform_stores\{status="Suspended"\} 1/);

    // wrong states
    const again = await h.request('POST', `/api/v1/stores/${id}/suspend`, { token: u.token, body: {} });
    expect([again.status, again.body.code]).toEqual([409, 'already_suspended']);
    expect((await h.request('POST', `/api/v1/stores/${id}/retry`, { token: u.token })).status).toBe(409);

    const resumed = await h.request('POST', `/api/v1/stores/${id}/resume`, { token: u.token });
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ status: 'Suspended', phase: 'resuming' });
    expect(resumed.body.suspension).toBeUndefined();
    const back = await h.waitForStore(u.token, id, (s) => s.status === 'Ready' || s.status === 'Error', 60_000);
    expect(back).toMatchObject({ status: 'Ready', phase: 'ready' });
    expect(Number(storeCommits(id))).toBe(commitsBefore + 2);
    expect(podsOf(id, 'wordpress').length).toBeGreaterThan(0);
    expect(podsOf(id, 'mysql')).toHaveLength(1);
    expect(holdingPage(id)).toBeUndefined();
    expect(h.sim.store.get('v1', 'ConfigMap', ns(id), 'store-paused')).toBeUndefined();
    expect(ingressBackend(id)).toBe('store-wordpress');
    expect(pvcUids(id)).toEqual(pvcs); // the very same claims: the data was never touched
    const notSuspended = await h.request('POST', `/api/v1/stores/${id}/resume`, { token: u.token });
    expect([notSuspended.status, notSuspended.body.code]).toEqual([409, 'not_suspended']);

    const events = (await h.request('GET', `/api/v1/stores/${id}/events`, { token: u.token })).body.items.map((e: any) => `${e.status}/${e.phase}`);
    expect(events.slice(events.indexOf('Suspended/suspending'))).toEqual(
      expect.arrayContaining(['Suspended/suspending', 'Suspended/suspended', 'Suspended/resuming', 'Ready/ready']),
    );
    const audit = await h.platform.knex('audit_events').where({ store_id: id }).orderBy('id');
    expect(audit.map((a) => a.action)).toEqual(['store.create', 'store.suspended', 'store.resumed']);
  }, 240_000);

  it('operator: a suspension with a reason the owner cannot lift (403), which an operator resumes; a Pending store cannot be suspended (409)', async () => {
    const u = await h.signUp();
    const ops = await h.signUp(OPERATOR);
    const id = await readyStore(u.token, 'unpaid');

    const noReason = await h.request('POST', `/api/v1/stores/${id}/suspend`, { token: ops.token, body: {} });
    expect([noReason.status, noReason.body.code, noReason.body.errors?.[0]?.field]).toEqual([422, 'validation_failed', 'reason']);
    const asked = await h.request('POST', `/api/v1/stores/${id}/suspend`, { token: ops.token, body: { reason: 'invoice 1042 unpaid' } });
    expect(asked.status).toBe(202);
    const suspended = await h.waitForStore(u.token, id, (s) => s.phase === 'suspended' || s.status === 'Error', 60_000);
    expect(suspended.suspension).toMatchObject({ kind: 'operator', by: ops.userId, reason: 'invoice 1042 unpaid', ownerCanResume: false });
    expect(podsOf(id, 'wordpress')).toEqual([]);

    const ownerResume = await h.request('POST', `/api/v1/stores/${id}/resume`, { token: u.token });
    expect([ownerResume.status, ownerResume.body.code]).toEqual([403, 'suspended_by_operator']);
    expect((await h.request('GET', `/api/v1/stores/${id}`, { token: u.token })).body.phase).toBe('suspended');
    const stranger = await h.signUp();
    expect((await h.request('POST', `/api/v1/stores/${id}/suspend`, { token: stranger.token, body: {} })).status).toBe(403);

    expect((await h.request('POST', `/api/v1/stores/${id}/resume`, { token: ops.token })).status).toBe(202);
    expect(await h.waitForStore(u.token, id, (s) => s.status === 'Ready' || s.status === 'Error', 60_000)).toMatchObject({ status: 'Ready' });

    const pending = await h.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'brand-new' } });
    const early = await h.request('POST', `/api/v1/stores/${pending.body.id}/suspend`, { token: u.token, body: {} });
    expect([early.status, early.body.code]).toEqual([409, 'not_suspendable']);
    const bad = await h.request('POST', '/api/v1/stores/not-a-uuid/suspend', { token: u.token, body: {} });
    expect(bad.status).toBe(422);
  }, 240_000);
});
