import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/test-platform.ts';

let t: TestPlatform;
beforeAll(async () => {
  // Rate limit out of the way here; it has its own tests.
  t = await startTestPlatform({ CREATE_RATE_LIMIT_PER_MINUTE: '1000', BASE_DOMAIN: 'shops.example.net' });
});
afterAll(async () => t?.close());

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String), detail: expect.any(String) });
}

describe('POST /api/v1/stores', () => {
  it('accepts a valid store: 202, Location, Pending, default domain from BASE_DOMAIN', async () => {
    const u = await t.signUp();
    const res = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'My-Shop1' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ name: 'My-Shop1', domain: 'my-shop1.shops.example.net', status: 'Pending', phase: 'queued', ownerId: u.userId });
    expect(res.headers.get('location')).toBe(`/api/v1/stores/${res.body.id}`);
    expect(res.body).not.toHaveProperty('credentials');
    expect(res.body).not.toHaveProperty('url');
  });

  it('queues the provision job in the same transaction as the store row', async () => {
    const u = await t.signUp();
    const res = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'jobbed', domain: 'jobbed.example.org' } });
    const jobs = await t.platform.knex('agenda_jobs').whereRaw("data->>'storeId' = ?", [res.body.id]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ name: 'store.provision', disabled: false, locked_at: null });
    const events = await t.request('GET', `/api/v1/stores/${res.body.id}/events`, { token: u.token });
    expect(events.status).toBe(200);
    expect(events.body.items).toEqual([expect.objectContaining({ status: 'Pending', phase: 'queued', reason: 'Created' })]);
  });

  it('answers a repeat (same owner + name + domain) with 200 and the same store, creating nothing', async () => {
    const u = await t.signUp();
    const first = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'again', domain: 'again.example.org' } });
    const second = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'again', domain: 'AGAIN.example.org' } });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const count = await t.platform.knex('stores').where('owner_id', u.userId).count({ n: '*' }).first();
    expect(Number(count!.n)).toBe(1);
    expect(await t.platform.knex('agenda_jobs').whereRaw("data->>'storeId' = ?", [first.body.id])).toHaveLength(1);
  });

  it('answers a repeat with the same Idempotency-Key with 200 and the same store; another body with that key is 409', async () => {
    const u = await t.signUp();
    const headers = { 'Idempotency-Key': 'req-123' };
    const first = await t.request('POST', '/api/v1/stores', { token: u.token, headers, body: { name: 'idem' } });
    const again = await t.request('POST', '/api/v1/stores', { token: u.token, headers, body: { name: 'idem' } });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expectProblem(await t.request('POST', '/api/v1/stores', { token: u.token, headers, body: { name: 'other-name' } }), 409, 'idempotency_key_reused');
  });

  it('rejects the same name with a different domain with 409', async () => {
    const u = await t.signUp();
    await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'twin', domain: 'twin-a.example.org' } });
    expectProblem(await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'twin', domain: 'twin-b.example.org' } }), 409, 'name_taken');
  });

  it('rejects a domain another user has with 422 domain_taken', async () => {
    const a = await t.signUp();
    const b = await t.signUp();
    await t.request('POST', '/api/v1/stores', { token: a.token, body: { name: 'alpha', domain: 'taken.example.org' } });
    const res = await t.request('POST', '/api/v1/stores', { token: b.token, body: { name: 'beta', domain: 'taken.example.org' } });
    expectProblem(res, 422, 'validation_failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'domain', code: 'domain_taken' })]);
  });

  describe('validation (422 with field errors, nothing created)', () => {
    const cases: Array<[string, unknown, string, string]> = [
      ['name too short', { name: 'ab' }, 'name', 'too_small'],
      ['name too long', { name: 'a'.repeat(41) }, 'name', 'too_big'],
      ['name with underscore', { name: 'my_shop' }, 'name', 'invalid_format'],
      ['name starting with a hyphen', { name: '-shop' }, 'name', 'invalid_format'],
      ['name ending with a hyphen', { name: 'shop-' }, 'name', 'invalid_format'],
      ['name missing', {}, 'name', 'invalid_type'],
      ['name not a string', { name: 42 }, 'name', 'invalid_type'],
      ['domain with one label', { name: 'shop', domain: 'localhost' }, 'domain', 'invalid_domain'],
      ['domain that is an IP', { name: 'shop', domain: '10.0.0.1' }, 'domain', 'invalid_domain'],
      ['domain with a label over 63', { name: 'shop', domain: `${'a'.repeat(64)}.example.com` }, 'domain', 'invalid_domain'],
      ['domain over 253', { name: 'shop', domain: `${'abcdefghi.'.repeat(26)}com` }, 'domain', 'invalid_domain'],
      ['domain with underscore', { name: 'shop', domain: 'my_shop.example.com' }, 'domain', 'invalid_domain'],
      ['domain label starting with hyphen', { name: 'shop', domain: '-shop.example.com' }, 'domain', 'invalid_domain'],
      ['domain with a trailing dot', { name: 'shop', domain: 'shop.example.com.' }, 'domain', 'invalid_domain'],
      ['unknown field', { name: 'shop', color: 'red' }, 'color', 'unknown_field'],
    ];
    it.each(cases)('%s', async (_label, body, field, code) => {
      const u = await t.signUp();
      const res = await t.request('POST', '/api/v1/stores', { token: u.token, body });
      expectProblem(res, 422, 'validation_failed');
      expect(res.body.errors).toContainEqual(expect.objectContaining({ field, code }));
      const n = await t.platform.knex('stores').where('owner_id', u.userId).count({ n: '*' }).first();
      expect(Number(n!.n)).toBe(0);
    });

    it('lower-cases a valid domain', async () => {
      const u = await t.signUp();
      const res = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'Caps', domain: 'Shop.Example.COM' } });
      expect(res.status).toBe(202);
      expect(res.body.domain).toBe('shop.example.com');
    });

    it('answers malformed JSON with a 422 problem', async () => {
      const u = await t.signUp();
      const res = await t.request('POST', '/api/v1/stores', { token: u.token, rawBody: '{"name":', headers: { 'content-type': 'application/json' } });
      expectProblem(res, 422, 'validation_failed');
    });
  });
});

describe('quota', () => {
  it('20 concurrent creates by one user make exactly 5 stores; the rest are quota_exceeded', async () => {
    const u = await t.signUp();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.request('POST', '/api/v1/stores', { token: u.token, body: { name: `burst-${i}` } })),
    );
    const accepted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const r of refused) {
      expectProblem(r, 429, 'quota_exceeded');
      expect(r.body.detail).toContain('5');
    }
    const n = await t.platform.knex('stores').where('owner_id', u.userId).count({ n: '*' }).first();
    expect(Number(n!.n)).toBe(5);
    const me = await t.request('GET', '/api/v1/me', { token: u.token });
    expect(me.body.quota).toEqual({ limit: 5, used: 5 });
  });

  it('an operator override raises one user’s quota', async () => {
    const op = await t.signUp();
    await t.platform.knex('users').where('id', op.userId).update({ role: 'operator' });
    const u = await t.signUp();
    const set = await t.request('PUT', `/api/v1/users/${u.userId}/quota`, { token: op.token, body: { storeQuota: 1 } });
    expect(set.status).toBe(200);
    expect(set.body.quota).toEqual({ limit: 1, used: 0 });
    expect((await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'one' } })).status).toBe(202);
    expectProblem(await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'two' } }), 429, 'quota_exceeded');
    expectProblem(await t.request('PUT', `/api/v1/users/${op.userId}/quota`, { token: u.token, body: { storeQuota: 100 } }), 403, 'forbidden');
  });
});

describe('reading and deleting', () => {
  it('lists only the caller’s stores with the quota; operators may list all', async () => {
    const a = await t.signUp();
    const b = await t.signUp();
    const sa = await t.request('POST', '/api/v1/stores', { token: a.token, body: { name: 'mine' } });
    await t.request('POST', '/api/v1/stores', { token: b.token, body: { name: 'theirs' } });
    const list = await t.request('GET', '/api/v1/stores', { token: a.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: any) => s.id)).toEqual([sa.body.id]);
    expect(list.body.items[0]).toEqual({
      id: sa.body.id,
      name: 'mine',
      domain: 'mine.shops.example.net',
      status: 'Pending',
      phase: 'queued',
      message: null,
      plan: 'small',
      ownerId: a.userId,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(list.body.quota).toEqual({ limit: 5, used: 1, suspended: 0, mode: 'stores' });
    const notOp = await t.request('GET', '/api/v1/stores?all=true', { token: a.token });
    expect(notOp.body.items).toHaveLength(1);
    await t.platform.knex('users').where('id', a.userId).update({ role: 'operator' });
    const all = await t.request('GET', '/api/v1/stores?all=true', { token: a.token });
    expect(all.body.items.length).toBeGreaterThan(1);
  });

  it('gives 403 for another user’s store on every route, 404 for an unknown id, 422 for a non-UUID', async () => {
    const a = await t.signUp();
    const b = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: a.token, body: { name: 'private' } });
    for (const [m, p] of [
      ['GET', ''],
      ['GET', '/events'],
      ['DELETE', ''],
    ] as const) {
      expectProblem(await t.request(m, `/api/v1/stores/${s.body.id}${p}`, { token: b.token }), 403, 'forbidden');
      expectProblem(await t.request(m, `/api/v1/stores/00000000-0000-4000-8000-000000000000${p}`, { token: b.token }), 404, 'not_found');
      const bad = await t.request(m, `/api/v1/stores/not-a-uuid${p}`, { token: b.token });
      expectProblem(bad, 422, 'validation_failed');
      expect(bad.body.errors[0].field).toBe('id');
    }
    const denied = await t.platform.knex('audit_events').where({ action: 'authz.denied', user_id: b.userId, store_id: s.body.id });
    expect(denied).toHaveLength(3);
    expect((await t.request('GET', `/api/v1/stores/${s.body.id}`, { token: a.token })).body.status).toBe('Pending');
  });

  it('shows url, adminUrl and the owner’s credentials only when Ready', async () => {
    const a = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: a.token, body: { name: 'readyshop' } });
    const enc = t.platform.secrets.seal('s3cret-admin-pw', s.body.id);
    await t.platform.knex('stores').where('id', s.body.id).update({ admin_username: 'shopadmin', admin_password_enc: enc });
    const pending = await t.request('GET', `/api/v1/stores/${s.body.id}`, { token: a.token });
    expect(pending.body).not.toHaveProperty('credentials');
    expect(pending.body).not.toHaveProperty('adminUrl');
    await t.platform.knex('stores').where('id', s.body.id).update({ status: 'Ready', phase: 'ready' });
    const ready = await t.request('GET', `/api/v1/stores/${s.body.id}`, { token: a.token });
    expect(ready.body).toMatchObject({
      url: 'https://readyshop.shops.example.net',
      adminUrl: 'https://readyshop.shops.example.net/wp-admin/',
      credentials: { username: 'shopadmin', password: 's3cret-admin-pw' },
    });
    const list = await t.request('GET', '/api/v1/stores', { token: a.token });
    expect(list.body.items[0].url).toBe('https://readyshop.shops.example.net');
    expect(list.body.items[0]).not.toHaveProperty('credentials');
    // An operator sees the store, but never the owner's credentials.
    const op = await t.signUp();
    await t.platform.knex('users').where('id', op.userId).update({ role: 'operator' });
    const seen = await t.request('GET', `/api/v1/stores/${s.body.id}`, { token: op.token });
    expect(seen.status).toBe(200);
    expect(seen.body).not.toHaveProperty('credentials');
  });

  it('keeps url, adminUrl and the owner’s credentials once Ready: while degraded and retried, not while Deleting', async () => {
    const a = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: a.token, body: { name: 'oncereadyshop' } });
    const enc = t.platform.secrets.seal('kept-pw', s.body.id);
    await t.platform.knex('stores').where('id', s.body.id).update({
      status: 'Error',
      phase: 'degraded',
      message: 'The store is not healthy: wordpress-1: CrashLoopBackOff',
      ready_at: new Date(),
      admin_username: 'admin',
      admin_password_enc: enc,
    });
    const degraded = await t.request('GET', `/api/v1/stores/${s.body.id}`, { token: a.token });
    expect(degraded.body).toMatchObject({
      status: 'Error',
      phase: 'degraded',
      url: 'https://oncereadyshop.shops.example.net',
      credentials: { password: 'kept-pw' },
    });
    const retried = await t.request('POST', `/api/v1/stores/${s.body.id}/retry`, { token: a.token });
    expect(retried.body).toMatchObject({ status: 'Pending', phase: 'queued', url: 'https://oncereadyshop.shops.example.net' });
    const deleting = await t.request('DELETE', `/api/v1/stores/${s.body.id}`, { token: a.token });
    expect(deleting.body.status).toBe('Deleting');
    expect(deleting.body).not.toHaveProperty('url');
    expect((await t.request('GET', `/api/v1/stores/${s.body.id}`, { token: a.token })).body).not.toHaveProperty('credentials');
  });

  it('retry on an API-only replica (no GitOps repo): Error → 202 Pending with a new attempt and one provision job; anything else 409; another user 403', async () => {
    expect(t.platform.pipeline).toBeUndefined();
    const a = await t.signUp();
    const b = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: a.token, body: { name: 'retryshop' } });
    const notYet = await t.request('POST', `/api/v1/stores/${s.body.id}/retry`, { token: a.token });
    expect(notYet.status).toBe(409);
    expect(notYet.body.code).toBe('not_in_error');
    await t.platform.knex('stores').where('id', s.body.id).update({ status: 'Error', phase: 'failed', message: 'Sync failed' });
    expect((await t.request('POST', `/api/v1/stores/${s.body.id}/retry`, { token: b.token })).status).toBe(403);
    const jobsBefore = Number((await t.platform.knex('agenda_jobs').whereRaw("data->>'storeId' = ?", [s.body.id]).count({ n: '*' }).first())!.n);
    const retry = await t.request('POST', `/api/v1/stores/${s.body.id}/retry`, { token: a.token });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ id: s.body.id, status: 'Pending', phase: 'queued' });
    const row = await t.platform.knex('stores').where('id', s.body.id).first();
    expect(row.attempt).toBe(1);
    expect(Number((await t.platform.knex('agenda_jobs').whereRaw("data->>'storeId' = ?", [s.body.id]).count({ n: '*' }).first())!.n)).toBe(jobsBefore + 1);
    expect((await t.request('POST', `/api/v1/stores/${s.body.id}/retry`, { token: a.token })).body.code).toBe('not_in_error');
    const doc = await t.request('GET', '/api/v1/openapi.json');
    expect(doc.body.paths['/api/v1/stores/{id}/retry']).toHaveProperty('post');
  });

  it('delete: 202 Deleting with one delete job; a second call is 202 again with no new work', async () => {
    const a = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: a.token, body: { name: 'doomed' } });
    const d1 = await t.request('DELETE', `/api/v1/stores/${s.body.id}`, { token: a.token });
    expect(d1.status).toBe(202);
    expect(d1.body).toMatchObject({ id: s.body.id, status: 'Deleting' });
    const d2 = await t.request('DELETE', `/api/v1/stores/${s.body.id}`, { token: a.token });
    expect(d2.status).toBe(202);
    expect(d2.body.status).toBe('Deleting');
    const jobs = await t.platform.knex('agenda_jobs').where('name', 'store.delete').whereRaw("data->>'storeId' = ?", [s.body.id]);
    expect(jobs).toHaveLength(1);
    const events = await t.request('GET', `/api/v1/stores/${s.body.id}/events`, { token: a.token });
    expect(events.body.items.map((e: any) => e.status)).toEqual(['Pending', 'Deleting']);
    const audits = await t.platform.knex('audit_events').where({ action: 'store.delete', store_id: s.body.id });
    expect(audits).toHaveLength(1);
    // The store still counts against the quota until its record is removed.
    expect((await t.request('GET', '/api/v1/me', { token: a.token })).body.quota.used).toBe(1);
  });

  it('records create in the audit trail with user, store and time', async () => {
    const a = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: a.token, body: { name: 'audited' } });
    const [row] = await t.platform.knex('audit_events').where({ action: 'store.create', store_id: s.body.id });
    expect(row).toMatchObject({ user_id: a.userId, outcome: 'success', source_ip: expect.any(String) });
    expect(row.at).toBeInstanceOf(Date);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const a = await t.signUp();
    expectProblem(await t.request('GET', '/api/v1/nope', { token: a.token }), 404, 'not_found');
  });
});
