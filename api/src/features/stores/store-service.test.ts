import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { StoreService } from './store-service.ts';

const reject = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('expected a rejection')),
    (e) => e as { status: number; code: string; headers: Record<string, string>; errors?: unknown[] },
  );

describe(StoreService.name, () => {
  it('creates a Pending store with its timeline event and ONE provision job, audited with the actor', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const out = await f.services.stores.create(actor, { name: 'Corner-Shop' });
    expect(out.replayed).toBe(false);
    expect(out.store).toMatchObject({ status: 'Pending', phase: 'queued', domain: 'corner-shop.shops.example.net', owner_id: actor.userId });
    expect(f.jobs.for(out.store.id)).toEqual(['store.provision']);
    expect((await f.repos.stores.events(out.store.id)).map((e) => e.reason)).toEqual(['Created']);
    expect(f.repos.audit.rows.at(-1)).toMatchObject({
      action: 'store.create',
      user_id: actor.userId,
      source_ip: '203.0.113.7',
      request_id: actor.requestId,
      store_id: out.store.id,
    });
  });

  it('a repeat (same name and domain, or same Idempotency-Key) is the same store: no job, no allowance used; a conflicting repeat is 409', async () => {
    const f = createFakeServices({ createsPerMinute: 1 });
    const actor = await f.actors.user();
    const first = await f.services.stores.create(actor, { name: 'shop' }, 'key-1');
    expect((await f.services.stores.create(actor, { name: 'SHOP' })).store.id).toBe(first.store.id);
    expect((await f.services.stores.create(actor, { name: 'shop' }, 'key-1')).replayed).toBe(true);
    expect(f.jobs.jobs).toHaveLength(1);
    expect(f.rateLimit.used.get(actor.userId)).toBe(1);
    expect(await reject(f.services.stores.create(actor, { name: 'other' }, 'key-1'))).toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    expect(await reject(f.services.stores.create(actor, { name: 'shop', domain: 'elsewhere.example.org' }))).toMatchObject({ status: 409, code: 'name_taken' });
    expect(f.repos.stores.rows.size).toBe(1);
  });

  it('refuses a create over the rate limit with Retry-After, and gives the allowance back when a create fails later', async () => {
    const f = createFakeServices({ createsPerMinute: 1 });
    const actor = await f.actors.user();
    await f.repos.stores.seed({ owner_id: (await f.actors.user()).userId, name: 'taken', domain: 'taken.example.org' });
    const failed = await reject(f.services.stores.create(actor, { name: 'mine', domain: 'taken.example.org' }));
    expect(failed).toMatchObject({ status: 422 });
    expect(f.rateLimit.used.get(actor.userId)).toBe(0);
    await f.services.stores.create(actor, { name: 'mine' });
    const limited = await reject(f.services.stores.create(actor, { name: 'second' }));
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(limited.headers['Retry-After']).toBe('42');
    expect(limited.headers.RateLimit).toBe('"store-create";r=0;t=42');
    expect([...f.repos.stores.rows.values()].filter((s) => s.owner_id === actor.userId)).toHaveLength(1);
  });

  it('the quota holds under concurrent creates: exactly the limit is created, the rest are quota_exceeded', async () => {
    const f = createFakeServices({ env: { DEFAULT_STORE_QUOTA: '3' } });
    const actor = await f.actors.user();
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => f.services.stores.create(actor, { name: `shop-${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(7).fill('quota_exceeded'));
    expect(await f.repos.stores.countByOwner(actor.userId)).toBe(3);
    expect(f.jobs.jobs).toHaveLength(3);
    // An operator's override counts for this user.
    await f.repos.users.setQuota(actor.userId, 4);
    expect((await f.services.stores.create(actor, { name: 'shop-extra' })).replayed).toBe(false);
    expect(await f.services.stores.quota(actor.userId)).toEqual({ limit: 4, used: 4, suspended: 0, mode: 'stores' });
  });

  it('a domain in use is a 422 domain_taken and creates nothing', async () => {
    const f = createFakeServices();
    const a = await f.actors.user();
    const b = await f.actors.user();
    await f.services.stores.create(a, { name: 'shop', domain: 'shop.example.org' });
    const taken = await reject(f.services.stores.create(b, { name: 'shop2', domain: 'shop.example.org' }));
    expect(taken).toMatchObject({ status: 422, errors: [{ field: 'domain', code: 'domain_taken' }] });
    expect(f.repos.stores.rows.size).toBe(1);
  });

  it('retries only a store in Error: a new attempt, Pending/queued, one new provision job; anything else is 409 not_in_error', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    for (const [status, phase] of [
      ['Pending', 'committed'],
      ['Ready', 'ready'],
      ['Deleting', 'pruning'],
    ] as const) {
      const s = f.repos.stores.seed({ owner_id: actor.userId, name: `s-${phase}`, status, phase });
      expect(await reject(f.services.stores.retry(actor, s.id))).toMatchObject({ status: 409, code: 'not_in_error' });
    }
    for (const phase of ['failed', 'degraded'] as const) {
      const s = f.repos.stores.seed({ owner_id: actor.userId, name: `e-${phase}`, status: 'Error', phase });
      const retried = await f.services.stores.retry(actor, s.id);
      expect(retried).toMatchObject({ status: 'Pending', phase: 'queued', attempt: 1 });
      expect(f.jobs.for(s.id)).toEqual(['store.provision']);
    }
  });

  it('a delete is idempotent: Deleting with one delete job; a repeat changes nothing, unless the teardown gave up', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const s = f.repos.stores.seed({ owner_id: actor.userId, name: 'doomed', status: 'Ready', phase: 'ready' });
    expect(await f.services.stores.requestDelete(actor, s.id)).toMatchObject({ status: 'Deleting', phase: 'deleting' });
    expect(await f.services.stores.requestDelete(actor, s.id)).toMatchObject({ status: 'Deleting', phase: 'deleting' });
    expect(f.jobs.for(s.id)).toEqual(['store.delete']);
    expect(f.repos.audit.actions().filter((a) => a === 'store.delete:success')).toHaveLength(1);
    await f.repos.stores.transition(s.id, { status: 'Deleting', phase: 'delete failed', reason: 'DeleteFailed' });
    await f.services.stores.requestDelete(actor, s.id);
    expect(f.jobs.for(s.id)).toEqual(['store.delete', 'store.delete']);
  });

  it('shows a store to its owner and to operators; anyone else gets 403, audited with what they tried', async () => {
    const f = createFakeServices();
    const owner = await f.actors.user();
    const other = await f.actors.user();
    const operator = await f.actors.user('op@example.com', 'operator');
    const s = f.repos.stores.seed({ owner_id: owner.userId, name: 'mine' });
    expect((await f.services.stores.getVisible(owner, s.id)).id).toBe(s.id);
    expect((await f.services.stores.getVisible(operator, s.id)).id).toBe(s.id);
    expect(await reject(f.services.stores.requestDelete(other, s.id))).toMatchObject({ status: 403 });
    expect(f.repos.audit.rows.at(-1)).toMatchObject({ action: 'authz.denied', user_id: other.userId, store_id: s.id, details: { intent: 'delete' } });
    expect(await reject(f.services.stores.getVisible(owner, '00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404 });
    expect((await f.services.stores.list(operator, true)).map((x) => x.id)).toEqual([s.id]);
    expect(await f.services.stores.list(other, true)).toEqual([]);
    expect(f.repos.stores.rows.get(s.id)!.status).toBe('Pending');
  });
});
