import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import type { ArgoApplication } from '../provisioning/application-status.ts';
import { STORE_ID_LABEL } from '../provisioning/cluster-client.ts';
import { StoreSuspensionService } from './store-suspension-service.ts';
import type { StoreModel } from '../../db/models/store-model.ts';

type F = ReturnType<typeof createFakeServices>;

const reject = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('expected a rejection')),
    (e) => e as { status: number; code: string; errors?: Array<{ field: string; code: string }> },
  );

/** A Ready store of a new owner, committed once (as the committer leaves it). */
async function readyStore(f: F, overrides: Partial<StoreModel> = {}) {
  const owner = await f.actors.user();
  const store = f.repos.stores.seed({
    owner_id: owner.userId,
    name: `shop-${f.repos.stores.rows.size + 1}`,
    status: 'Ready',
    phase: 'ready',
    commit_sha: 'c-ready',
    ready_at: new Date(),
    sealed_secrets: { k: 'dg==' },
    ...overrides,
  });
  return { owner, store };
}

function app(f: F, storeId: string, status: ArgoApplication['status']): void {
  f.cluster.apps.set(`store-${storeId}`, { metadata: { name: `store-${storeId}`, labels: { [STORE_ID_LABEL]: storeId } }, status });
}

const row = async (f: F, id: string) => (await f.repos.stores.findById(id))!;
const state = async (f: F, id: string) => {
  const s = await row(f, id);
  return `${s.status}/${s.phase}`;
};

describe(StoreSuspensionService.name, () => {
  it('the owner hibernates a Ready store: one generation, one provision job, Suspended/suspending, who/why/when recorded and audited', async () => {
    const f = createFakeServices();
    const { owner, store } = await readyStore(f);
    const out = await f.services.suspensions.suspend(owner, store.id, { reason: '  closed for the winter ' });
    expect(out).toMatchObject({ status: 'Suspended', phase: 'suspending', generation: 2, committed_generation: 1 });
    expect(out).toMatchObject({ suspended_by: owner.userId, suspended_by_kind: 'owner', suspension_reason: 'closed for the winter' });
    expect(out.suspended_at).toBeInstanceOf(Date);
    expect(f.jobs.for(store.id)).toEqual(['store.provision']);
    expect((await f.repos.stores.events(store.id)).at(-1)).toMatchObject({ status: 'Suspended', phase: 'suspending', reason: 'SuspendRequested' });
    expect(f.repos.audit.rows.at(-1)).toMatchObject({
      action: 'store.suspended',
      user_id: owner.userId,
      store_id: store.id,
      details: { by: 'owner', reason: 'closed for the winter' },
    });
  });

  it('commits the suspension once, is suspended when Argo CD reports the scaled-down store healthy at that commit, and Ready again after a resume', async () => {
    const f = createFakeServices();
    const { owner, store } = await readyStore(f);
    await f.services.suspensions.suspend(owner, store.id, {});
    // the Application is still healthy at the old commit: the cycle does not conclude anything yet
    app(f, store.id, { sync: { status: 'Synced', revision: 'c-ready' }, health: { status: 'Healthy' } });
    await f.services.status.cycle();
    expect(await state(f, store.id)).toBe('Suspended/suspending');
    expect(await f.services.provision.provision(store.id)).toBe('committed');
    expect(f.writer.commits).toHaveLength(1);
    const values = () => f.writer.files.get(`stores/${store.id}/values.yaml`)!;
    expect(values()).toMatch(/^suspended: true$/m);
    const suspendedAt = await row(f, store.id);
    expect([suspendedAt.status, suspendedAt.phase, suspendedAt.committed_generation]).toEqual(['Suspended', 'suspending', 2]);
    expect(await f.services.provision.provision(store.id)).toBe('skipped'); // nothing ahead any more
    app(f, store.id, { sync: { status: 'Synced', revision: suspendedAt.commit_sha! }, health: { status: 'Healthy' } });
    await f.services.status.cycle();
    expect(await state(f, store.id)).toBe('Suspended/suspended');

    const resumed = await f.services.suspensions.resume(owner, store.id);
    expect(resumed).toMatchObject({
      status: 'Suspended',
      phase: 'resuming',
      suspended_at: null,
      suspended_by: null,
      suspended_by_kind: null,
      suspension_reason: null,
    });
    // before the resume is committed the Application (healthy, paused) says nothing about it
    await f.services.status.cycle();
    expect(await state(f, store.id)).toBe('Suspended/resuming');
    expect(await f.services.provision.provision(store.id)).toBe('committed');
    expect(f.writer.commits).toHaveLength(2);
    expect(values()).not.toMatch(/suspended/);
    const resumeCommit = (await row(f, store.id)).commit_sha!;
    app(f, store.id, { sync: { status: 'Synced', revision: resumeCommit }, health: { status: 'Progressing' } });
    await f.services.status.cycle();
    expect(await state(f, store.id)).toBe('Suspended/resuming');
    app(f, store.id, { sync: { status: 'Synced', revision: resumeCommit }, health: { status: 'Healthy' } });
    await f.services.status.cycle();
    expect(await state(f, store.id)).toBe('Ready/ready');
    expect(f.repos.audit.rows.map((r) => r.action)).toEqual(['store.suspended', 'store.resumed']);
    // a resume is no provisioning outcome
    expect((await f.metrics.provisionOutcomes.get()).values).toEqual([]);
  });

  it('an operator suspension needs a reason (422, nothing changed), and its owner cannot lift it (403); an operator can', async () => {
    const f = createFakeServices();
    const { owner, store } = await readyStore(f);
    const operator = await f.actors.user('ops@example.com', 'operator');
    const refused = await reject(f.services.suspensions.suspend(operator, store.id, { reason: '   ' }));
    expect(refused).toMatchObject({ status: 422, errors: [{ field: 'reason', code: 'reason_required' }] });
    expect(await state(f, store.id)).toBe('Ready/ready');
    expect(f.jobs.jobs).toEqual([]);

    const out = await f.services.suspensions.suspend(operator, store.id, { reason: 'invoice 1042 unpaid' });
    expect(out).toMatchObject({ suspended_by: operator.userId, suspended_by_kind: 'operator', suspension_reason: 'invoice 1042 unpaid' });
    expect(await reject(f.services.suspensions.resume(owner, store.id))).toMatchObject({ status: 403, code: 'suspended_by_operator' });
    expect(await state(f, store.id)).toBe('Suspended/suspending');
    expect((await f.services.suspensions.resume(operator, store.id)).phase).toBe('resuming');
  });

  it('an operator takes over an owner’s hibernation: it becomes an operator suspension, the cluster state is kept', async () => {
    const f = createFakeServices();
    const { owner, store } = await readyStore(f, {
      status: 'Suspended',
      phase: 'suspended',
      suspended_at: new Date('2026-11-01T00:00:00Z'),
      suspended_by_kind: 'owner',
    });
    const operator = await f.actors.user('ops@example.com', 'operator');
    expect(await reject(f.services.suspensions.suspend(owner, store.id, {}))).toMatchObject({ status: 409, code: 'already_suspended' });
    const out = await f.services.suspensions.suspend(operator, store.id, { reason: 'abuse report 77' });
    expect(out).toMatchObject({ status: 'Suspended', phase: 'suspended', suspended_by_kind: 'operator', suspension_reason: 'abuse report 77' });
    expect(out.suspended_at).toEqual(new Date('2026-11-01T00:00:00Z'));
    expect(await reject(f.services.suspensions.suspend(operator, store.id, { reason: 'again' }))).toMatchObject({ status: 409, code: 'already_suspended' });
    expect(await reject(f.services.suspensions.resume(owner, store.id))).toMatchObject({ status: 403, code: 'suspended_by_operator' });
  });

  it('refuses the wrong states with 409 and changes nothing: suspend Pending, failed, Deleting or resuming; resume a store that is not suspended or already resuming', async () => {
    const f = createFakeServices();
    for (const [status, phase] of [
      ['Pending', 'queued'],
      ['Pending', 'progressing'],
      ['Error', 'failed'],
      ['Deleting', 'pruning'],
      ['Suspended', 'resuming'],
    ] as const) {
      const { owner, store } = await readyStore(f, { status, phase });
      const e = await reject(f.services.suspensions.suspend(owner, store.id, {}));
      expect(e.status, `${status}/${phase}`).toBe(409);
      expect(await state(f, store.id)).toBe(`${status}/${phase}`);
      expect((await row(f, store.id)).generation).toBe(1);
    }
    for (const [status, phase] of [
      ['Ready', 'ready'],
      ['Error', 'degraded'],
      ['Suspended', 'resuming'],
      ['Deleting', 'deleting'],
    ] as const) {
      const { owner, store } = await readyStore(f, { status, phase });
      expect(await reject(f.services.suspensions.resume(owner, store.id)), `${status}/${phase}`).toMatchObject({ status: 409, code: 'not_suspended' });
    }
    expect(f.jobs.jobs).toEqual([]);
    // a degraded running store can be hibernated
    const { owner, store } = await readyStore(f, { status: 'Error', phase: 'degraded' });
    expect((await f.services.suspensions.suspend(owner, store.id, {})).phase).toBe('suspending');
  });

  it('another user gets 403 (audited), an unknown store 404', async () => {
    const f = createFakeServices();
    const { store } = await readyStore(f);
    const stranger = await f.actors.user();
    expect(await reject(f.services.suspensions.suspend(stranger, store.id, {}))).toMatchObject({ status: 403 });
    expect(await reject(f.services.suspensions.resume(stranger, store.id))).toMatchObject({ status: 403 });
    expect(f.repos.audit.rows.map((r) => `${r.action}:${(r.details as { intent?: string }).intent}`)).toEqual(['authz.denied:suspend', 'authz.denied:resume']);
    expect(await reject(f.services.suspensions.suspend(stranger, '00000000-0000-4000-8000-000000000000', {}))).toMatchObject({ status: 404 });
  });

  it('a suspended store can be deleted, is not retried, and counts in the quota (told apart)', async () => {
    const f = createFakeServices();
    const { owner, store } = await readyStore(f, { status: 'Suspended', phase: 'suspended', suspended_at: new Date(), suspended_by_kind: 'owner' });
    f.repos.stores.seed({ owner_id: owner.userId, name: 'other', status: 'Ready', phase: 'ready' });
    expect(await f.services.stores.quota(owner.userId)).toEqual({ limit: 5, used: 2, suspended: 1, mode: 'stores' });
    expect(await reject(f.services.stores.retry(owner, store.id))).toMatchObject({ status: 409, code: 'not_in_error' });
    expect((await f.services.stores.requestDelete(owner, store.id)).status).toBe('Deleting');
  });

  it('a paused store whose Application degrades is reported (Suspended/degraded with the reason), and suspended again once healthy', async () => {
    const f = createFakeServices();
    const { store } = await readyStore(f, {
      status: 'Suspended',
      phase: 'suspended',
      suspended_at: new Date(),
      suspended_by_kind: 'owner',
      commit_sha: 'c-paused',
    });
    app(f, store.id, {
      sync: { status: 'Synced', revision: 'c-paused' },
      health: { status: 'Degraded', message: 'PersistentVolumeClaim store-mysql is Lost' },
    });
    await f.services.status.cycle();
    const s = await row(f, store.id);
    expect(`${s.status}/${s.phase}`).toBe('Suspended/degraded');
    expect(s.message).toContain('store-mysql is Lost');
    app(f, store.id, { sync: { status: 'Synced', revision: 'c-paused' }, health: { status: 'Healthy' } });
    await f.services.status.cycle();
    expect(await state(f, store.id)).toBe('Suspended/suspended');
  });
});
