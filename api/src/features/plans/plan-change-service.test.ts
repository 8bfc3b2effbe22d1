import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { SHIPPED_PLANS_FILE } from '../../config/config.ts';
import { PlanChangeService } from './plan-change-service.ts';
import { readFileSync } from 'node:fs';

const reject = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('expected a rejection')),
    (e) => e as { status: number; code: string; message: string; errors?: Array<{ field: string; code?: string; message: string }> },
  );

/** The shipped plans with volume expansion switched on (as on a cluster whose StorageClass expands). */
function expandablePlansFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plans-'));
  const file = join(dir, 'plans.yaml');
  writeFileSync(file, readFileSync(SHIPPED_PLANS_FILE, 'utf8').replace('allowVolumeExpansion: false', 'allowVolumeExpansion: true'));
  return file;
}

async function readyStore(env: Record<string, string> = {}) {
  const f = createFakeServices({ env: { PLANS_FILE: expandablePlansFile(), ...env } });
  const owner = await f.actors.user();
  const store = f.repos.stores.seed({ owner_id: owner.userId, name: 'shop', status: 'Ready', phase: 'ready', commit_sha: 'a'.repeat(40) });
  return { f, owner, store };
}

describe(PlanChangeService.name, () => {
  it('small → large: records the plan, bumps the generation, Ready/resizing, ONE provision job and the audit record with from/to', async () => {
    const { f, owner, store } = await readyStore();
    const out = await f.services.planChanges.changePlan(owner, store.id, 'large');
    expect(out.changed).toBe(true);
    const row = f.repos.stores.rows.get(store.id)!;
    expect(row).toMatchObject({ plan: 'large', status: 'Ready', phase: 'resizing', generation: 2, committed_generation: 1 });
    expect(f.jobs.for(store.id)).toEqual(['store.provision']);
    expect(f.repos.audit.rows.at(-1)).toMatchObject({ action: 'store.plan_changed', user_id: owner.userId, store_id: store.id });
    expect(JSON.stringify(f.repos.audit.rows.at(-1))).toMatch(/"from":"small".*"to":"large"/);
  });

  it('the same plan again changes nothing: no job, no generation, no audit', async () => {
    const { f, owner, store } = await readyStore();
    const out = await f.services.planChanges.changePlan(owner, store.id, 'small');
    expect(out.changed).toBe(false);
    expect(f.repos.stores.rows.get(store.id)).toMatchObject({ generation: 1, phase: 'ready' });
    expect(f.jobs.jobs).toHaveLength(0);
    expect(f.repos.audit.rows.filter((r) => r.action === 'store.plan_changed')).toHaveLength(0);
  });

  it('a shrink of storage is 422 naming the volume and both sizes, and changes nothing', async () => {
    const { f, owner, store } = await readyStore();
    f.repos.stores.rows.get(store.id)!.plan = 'large';
    const err = await reject(f.services.planChanges.changePlan(owner, store.id, 'medium'));
    expect(err).toMatchObject({ status: 422, errors: [{ field: 'plan', code: 'volume_shrink' }] });
    expect(err.message).toBe('The WordPress content volume is 60Gi on the large plan and cannot shrink to 40Gi on medium: a volume only grows.');
    expect(f.repos.stores.rows.get(store.id)).toMatchObject({ plan: 'large', generation: 1, phase: 'ready' });
    expect(f.jobs.jobs).toHaveLength(0);
  });

  it('growing a volume on a StorageClass that cannot expand (the shipped default) is 422', async () => {
    const f = createFakeServices();
    const owner = await f.actors.user();
    const store = f.repos.stores.seed({ owner_id: owner.userId, name: 'shop', status: 'Ready', phase: 'ready' });
    expect(await reject(f.services.planChanges.changePlan(owner, store.id, 'medium'))).toMatchObject({
      status: 422,
      errors: [{ code: 'volume_expansion_unsupported' }],
    });
  });

  it('409 while another change is in flight: resizing, Git behind the row, Pending, or degraded; nothing changes', async () => {
    const { f, owner, store } = await readyStore();
    await f.services.planChanges.changePlan(owner, store.id, 'medium');
    expect(await reject(f.services.planChanges.changePlan(owner, store.id, 'large'))).toMatchObject({ status: 409, code: 'change_in_flight' });
    const behind = f.repos.stores.seed({ owner_id: owner.userId, name: 'behind', status: 'Ready', phase: 'ready', generation: 3, committed_generation: 2 });
    expect(await reject(f.services.planChanges.changePlan(owner, behind.id, 'large'))).toMatchObject({ status: 409, code: 'change_in_flight' });
    const pending = f.repos.stores.seed({ owner_id: owner.userId, name: 'pending' });
    expect(await reject(f.services.planChanges.changePlan(owner, pending.id, 'large'))).toMatchObject({ status: 409, code: 'store_not_running' });
    const degraded = f.repos.stores.seed({ owner_id: owner.userId, name: 'degraded', status: 'Error', phase: 'degraded' });
    expect(await reject(f.services.planChanges.changePlan(owner, degraded.id, 'large'))).toMatchObject({ status: 409, code: 'change_in_flight' });
    expect(f.repos.stores.rows.get(store.id)!.plan).toBe('medium');
    expect(f.jobs.jobs).toHaveLength(1);
  });

  it('an unknown plan is 422; another user is 403 (audited); an operator may change anyone’s store', async () => {
    const { f, owner, store } = await readyStore();
    expect(await reject(f.services.planChanges.changePlan(owner, store.id, 'huge'))).toMatchObject({
      status: 422,
      errors: [{ field: 'plan', code: 'unknown_plan' }],
    });
    const other = await f.actors.user('other@example.com');
    expect(await reject(f.services.planChanges.changePlan(other, store.id, 'large'))).toMatchObject({ status: 403 });
    expect(f.repos.audit.rows.at(-1)).toMatchObject({ action: 'authz.denied', user_id: other.userId });
    const operator = await f.actors.user('op@example.com', 'operator');
    expect((await f.services.planChanges.changePlan(operator, store.id, 'large')).changed).toBe(true);
  });

  it('QUOTA_MODE=units: a resize that would pass the owner’s limit is 409 quota_exceeded; creates count plan units', async () => {
    const { f, owner, store } = await readyStore({ QUOTA_MODE: 'units', DEFAULT_STORE_QUOTA: '4' });
    f.repos.stores.seed({ owner_id: owner.userId, name: 'second', status: 'Ready', phase: 'ready', plan: 'medium' });
    expect(await f.services.stores.quota(owner.userId)).toEqual({ limit: 4, used: 3, mode: 'units', suspended: 0 });
    const err = await reject(f.services.planChanges.changePlan(owner, store.id, 'large'));
    expect(err).toMatchObject({ status: 409, code: 'quota_exceeded' });
    expect(err.message).toBe("The large plan counts 4 plan units: the owner's stores would use 6 of 4 plan units.");
    expect(await reject(f.services.stores.create(owner, { name: 'third', plan: 'medium' }))).toMatchObject({ status: 429, code: 'quota_exceeded' });
    expect((await f.services.stores.create(owner, { name: 'third', plan: 'small' })).store.plan).toBe('small');
    expect(await f.services.stores.quota(owner.userId)).toEqual({ limit: 4, used: 4, mode: 'units', suspended: 0 });
  });

  it('a create takes the plan asked for, DEFAULT_PLAN otherwise, and refuses an unknown one with 422', async () => {
    const f = createFakeServices({ env: { DEFAULT_PLAN: 'medium' } });
    const owner = await f.actors.user();
    expect((await f.services.stores.create(owner, { name: 'one' })).store.plan).toBe('medium');
    f.rateLimit.used.clear();
    expect((await f.services.stores.create(owner, { name: 'two', plan: 'large' })).store.plan).toBe('large');
    f.rateLimit.used.clear();
    expect(await reject(f.services.stores.create(owner, { name: 'three', plan: 'huge' }))).toMatchObject({
      status: 422,
      errors: [{ field: 'plan', code: 'unknown_plan' }],
    });
  });
});
