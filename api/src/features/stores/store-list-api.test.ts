import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/test-platform.ts';
import { StatementCounter } from '../../../test/support/statement-counter.ts';
import pg from 'pg';
import { STORE_STATUSES } from './store-lifecycle.ts';
import { AGENDA_CHANNEL } from '../../jobs/job-queue.ts';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ CREATE_RATE_LIMIT_PER_MINUTE: '1000', DEFAULT_STORE_QUOTA: '50', BASE_DOMAIN: 'shops.example.net' });
});
afterAll(async () => t?.close());

type User = Awaited<ReturnType<TestPlatform['signUp']>>;

/** A user with stores of these names (created in this order, so the last is the newest). */
async function userWith(names: string[]): Promise<User & { ids: Record<string, string> }> {
  const u = await t.signUp();
  const ids: Record<string, string> = {};
  for (const name of names) {
    const res = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name } });
    expect(res.status).toBe(202);
    ids[name] = res.body.id;
  }
  return { ...u, ids };
}

const list = (u: { token: string }, query = '') => t.request('GET', `/api/v1/stores${query}`, { token: u.token });
const names = (res: { body: { items: Array<{ name: string }> } }) => res.body.items.map((s) => s.name);

describe('GET /api/v1/stores: search, filter, sort, pages', () => {
  it('keeps the old shape and adds total, limit, nextCursor and next', async () => {
    const u = await userWith(['alpha', 'beta']);
    const res = await list(u);
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['beta', 'alpha']);
    expect(res.body).toMatchObject({ quota: { limit: 50, used: 2 }, total: 2, limit: 50, nextCursor: null, next: null });
    expect(res.body.items[0]).not.toHaveProperty('ownerEmail');
    expect(res.headers.get('link')).toBeNull();
  });

  it('searches name and domain case-insensitively, as a substring (LIKE wildcards are plain characters)', async () => {
    const u = await t.signUp();
    for (const body of [{ name: 'Coffee-Beans' }, { name: 'tea-house', domain: 'leaves.example.org' }, { name: 'other' }])
      expect((await t.request('POST', '/api/v1/stores', { token: u.token, body })).status).toBe(202);
    expect(names(await list(u, '?q=COFFEE'))).toEqual(['Coffee-Beans']);
    expect(names(await list(u, '?q=leaves.EXAMPLE'))).toEqual(['tea-house']);
    const none = await list(u, '?q=%25');
    expect(none.body).toMatchObject({ items: [], total: 0, quota: { used: 3 } });
    expect(names(await list(u, '?q=_'))).toEqual([]);
    expect((await list(u, '?q=')).body.total).toBe(3);
  });

  it('filters by status: repeated or comma-separated, any case; an unknown status is a 422 naming the allowed ones', async () => {
    const u = await userWith(['pend', 'ready-one', 'broken']);
    await t.platform.knex('stores').where('id', u.ids['ready-one']).update({ status: 'Ready', phase: 'ready' });
    await t.platform.knex('stores').where('id', u.ids.broken).update({ status: 'Error', phase: 'failed' });
    expect(names(await list(u, '?status=Ready'))).toEqual(['ready-one']);
    expect(names(await list(u, '?status=ready&status=ERROR'))).toEqual(['broken', 'ready-one']);
    expect(names(await list(u, '?status=Error,Pending'))).toEqual(['broken', 'pend']);
    const bad = await list(u, '?status=Ready,Sleeping');
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'status.1', message: expect.stringContaining(STORE_STATUSES.join(', ')) })]);
  });

  it('sorts by created_at, name or status, either way', async () => {
    const u = await userWith(['s-bravo', 'S-Alpha', 's-charlie']);
    await t.platform.knex('stores').where('id', u.ids['s-bravo']).update({ status: 'Ready', phase: 'ready' });
    expect(names(await list(u))).toEqual(['s-charlie', 'S-Alpha', 's-bravo']);
    expect(names(await list(u, '?sort=created_at&order=asc'))).toEqual(['s-bravo', 'S-Alpha', 's-charlie']);
    expect(names(await list(u, '?sort=name'))).toEqual(['S-Alpha', 's-bravo', 's-charlie']);
    expect(names(await list(u, '?sort=name&order=desc'))).toEqual(['s-charlie', 's-bravo', 'S-Alpha']);
    // Pending before Ready; within a status by creation time, in the same direction
    expect(names(await list(u, '?sort=status'))).toEqual(['S-Alpha', 's-charlie', 's-bravo']);
  });

  it('pages by cursor to the end: every store once, in order, with a next link and the total', async () => {
    const all = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    const u = await userWith(all);
    // Same creation instant for some: the keyset must break ties by id, never skip or repeat a row.
    await t.platform
      .knex('stores')
      .whereIn('id', [u.ids['page-2']!, u.ids['page-3']!, u.ids['page-4']!])
      .update({ created_at: new Date('2026-01-01T00:00:00.123456Z') });
    const seen: string[] = [];
    let path: string | null = '/api/v1/stores?sort=name&limit=3';
    let pages = 0;
    while (path) {
      const res: { status: number; headers: Headers; body: any } = await t.request('GET', path, { token: u.token });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(7);
      seen.push(...names(res));
      if (res.body.next) expect(res.headers.get('link')).toBe(`<${res.body.next}>; rel="next"`);
      path = res.body.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(all);
    const byTime: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(u, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      byTime.push(...names(res));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(byTime).size).toBe(7);
  });

  it('pages by limit/offset too', async () => {
    const u = await userWith(['o-1', 'o-2', 'o-3']);
    const first = await list(u, '?sort=name&limit=2&offset=0');
    expect(names(first)).toEqual(['o-1', 'o-2']);
    expect(first.body.next).toBe('/api/v1/stores?sort=name&limit=2&offset=2');
    const second = await t.request('GET', first.body.next, { token: u.token });
    expect(names(second)).toEqual(['o-3']);
    expect(second.body.next).toBeNull();
  });

  it('refuses bad parameters with 422 and field errors', async () => {
    const u = await userWith(['x-1', 'x-2']);
    const first = await list(u, '?limit=1');
    for (const [query, field, code] of [
      ['?sort=owner', 'sort', 'invalid_value'],
      ['?order=up', 'order', 'invalid_value'],
      ['?limit=0', 'limit', 'too_small'],
      ['?limit=1000', 'limit', 'too_big'],
      ['?limit=ten', 'limit', 'invalid_type'],
      ['?offset=-1', 'offset', 'too_small'],
      ['?cursor=garbage', 'cursor', 'invalid_cursor'],
      [`?cursor=${first.body.nextCursor}&sort=name`, 'cursor', 'invalid_cursor'],
      [`?cursor=${first.body.nextCursor}&offset=1`, 'cursor', 'cursor_with_offset'],
      ['?scope=everyone', 'scope', 'invalid_value'],
      ['?q=a%00b', 'q', 'control_characters'],
      [`?q=${'a'.repeat(101)}`, 'q', 'too_big'],
      ['?page=2', 'page', 'unknown_field'],
    ] as const) {
      const res = await list(u, query);
      expect(res.status, query).toBe(422);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors, query).toEqual([expect.objectContaining({ field, code })]);
    }
  });
});

describe('GET /api/v1/stores?scope=all (operators)', () => {
  it('lists every user’s stores with the owner, paginated; a plain user gets 403 (audited)', async () => {
    const a = await userWith(['ops-a1', 'ops-a2']);
    const b = await userWith(['ops-b1']);
    const denied = await list(a, '?scope=all');
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    expect(await t.platform.knex('audit_events').where({ action: 'authz.denied', user_id: a.userId, resource: 'stores:all' })).toHaveLength(1);
    // `all=true` from a plain user is what it always was: their own stores.
    expect(names(await list(a, '?all=true')).sort()).toEqual(['ops-a1', 'ops-a2']);

    await t.platform.knex('users').where('id', a.userId).update({ role: 'operator' });
    const total = Number((await t.platform.knex('stores').count({ n: '*' }).first())!.n);
    const first = await list(a, '?scope=all&q=ops-&limit=2&sort=name');
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(3);
    expect(first.body.items).toEqual([
      expect.objectContaining({ name: 'ops-a1', ownerId: a.userId, ownerEmail: a.email }),
      expect.objectContaining({ name: 'ops-a2', ownerEmail: a.email }),
    ]);
    expect(first.body.quota).toEqual({ limit: 50, used: 2, mode: 'stores', suspended: 0 });
    const second = await t.request('GET', first.body.next, { token: a.token });
    expect(second.body.items).toEqual([expect.objectContaining({ name: 'ops-b1', ownerId: b.userId, ownerEmail: b.email })]);
    expect((await list(a, '?scope=all&limit=1')).body.total).toBe(total);
    expect((await list(a, '?all=true&limit=1')).body.total).toBe(total);
    expect((await list(a, '?scope=mine')).body.total).toBe(2);
  });
});

describe('statements per request (counts, not timings)', () => {
  it('a list is two statements: the user behind the token, then the page with its total and the quota', async () => {
    const u = await userWith(['count-1', 'count-2']);
    const counter = new StatementCounter(t.platform.knex);
    let res: Awaited<ReturnType<typeof list>> | undefined;
    const sql = await counter.during(async () => (res = await list(u, '?q=count&status=Pending&sort=name&limit=1')));
    expect(res!.status).toBe(200);
    expect(res!.body).toMatchObject({ total: 2, quota: { used: 2 } });
    expect(sql).toHaveLength(2);
    expect(sql[0]).toMatch(/from "users"/);
  });

  it('a dashboard session is one read with its user: a list through the dashboard is two statements too', async () => {
    const u = await userWith(['sess-1']);
    const secret = { 'x-dashboard-secret': t.platform.config.dashboardSecret };
    const started = await t.request('POST', '/api/v1/auth/sessions', { headers: secret, body: { email: u.email, password: u.password } });
    expect(started.status).toBe(201);
    const headers = { ...secret, 'x-dashboard-session': started.body.session };
    const counter = new StatementCounter(t.platform.knex);
    let res: { status: number; body: any } | undefined;
    const sql = await counter.during(async () => (res = await t.request('GET', '/api/v1/stores', { headers })));
    expect(res!.status).toBe(200);
    expect(res!.body.items.map((s: { name: string }) => s.name)).toEqual(['sess-1']);
    expect(sql).toHaveLength(2);
    // A session of a user who signed out (or changed the password) is refused as before.
    await t.request('DELETE', '/api/v1/auth/session', { headers });
    expect((await t.request('GET', '/api/v1/stores', { headers })).status).toBe(401);
  });

  it('an API key is one read with its owner: a list by key is two statements (after the once-a-minute last-use write)', async () => {
    const u = await userWith(['keyed-1']);
    const made = await t.request('POST', '/api/v1/api-keys', { token: u.token, body: { name: 'ci' } });
    expect(made.status).toBe(201);
    const headers = { 'x-api-key': made.body.key };
    expect((await t.request('GET', '/api/v1/stores', { headers })).status).toBe(200); // records last use
    const counter = new StatementCounter(t.platform.knex);
    let res: { status: number; body: any } | undefined;
    const sql = await counter.during(async () => (res = await t.request('GET', '/api/v1/stores', { headers })));
    expect(res!.body.items.map((s: { name: string }) => s.name)).toEqual(['keyed-1']);
    expect(sql).toHaveLength(2);
    await t.request('DELETE', `/api/v1/api-keys/${made.body.id}`, { token: u.token });
    expect((await t.request('GET', '/api/v1/stores', { headers })).status).toBe(401);
  });

  it('a create is seven: user, replay, rate limit, BEGIN, the owner’s lock, one write, COMMIT; a replay is two', async () => {
    const u = await t.signUp();
    // Idle workers are woken by the job's NOTIFY, sent on commit from the same statement.
    const listener = new pg.Client({ connectionString: t.databaseUrl });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (n) => notified.push(n.payload ?? ''));
    await listener.query(`LISTEN ${AGENDA_CHANNEL}`);
    const counter = new StatementCounter(t.platform.knex);
    let res: Awaited<ReturnType<typeof list>> | undefined;
    const create = await counter.during(
      async () => (res = await t.request('POST', '/api/v1/stores', { token: u.token, headers: { 'Idempotency-Key': 'count-key' }, body: { name: 'counted' } })),
    );
    expect(res!.status).toBe(202);
    expect(create).toHaveLength(7);
    expect(create.filter((s) => /^(BEGIN|COMMIT)/.test(s))).toEqual(['BEGIN;', 'COMMIT;']);
    // Everything the create wrote is there: the event, the key, the job and the audit event.
    const id = res!.body.id;
    expect(await t.platform.knex('store_events').where('store_id', id)).toHaveLength(1);
    expect(await t.platform.knex('idempotency_keys').where({ store_id: id, key: 'count-key' })).toHaveLength(1);
    expect(await t.platform.knex('agenda_jobs').whereRaw("data->>'storeId' = ?", [id])).toHaveLength(1);
    expect(await t.platform.knex('audit_events').where({ action: 'store.create', store_id: id, user_id: u.userId })).toHaveLength(1);
    const [job] = await t.platform.knex('agenda_jobs').whereRaw("data->>'storeId' = ?", [id]);
    await expect.poll(() => notified.map((p) => JSON.parse(p).jobId)).toContain(job.id);
    await listener.end();

    const replay = await counter.during(
      async () => (res = await t.request('POST', '/api/v1/stores', { token: u.token, headers: { 'Idempotency-Key': 'count-key' }, body: { name: 'counted' } })),
    );
    expect(res!.status).toBe(200);
    expect(res!.body.id).toBe(id);
    expect(replay).toHaveLength(2);
  });
});
