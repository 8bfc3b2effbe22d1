import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-database.ts';
import { spawnApi } from '../../test/support/spawn-api.ts';
import { requestJson } from '../../test/support/request-json.ts';

type Api = Awaited<ReturnType<typeof spawnApi>>;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let a: Api;
let b: Api;

beforeAll(async () => {
  db = await createTestDatabase();
  // Two API processes over one database, started at once: migrations must serialise themselves.
  [a, b] = await Promise.all([spawnApi({ DATABASE_URL: db.url, ROLES: 'api' }), spawnApi({ DATABASE_URL: db.url, ROLES: 'api' })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
});

describe('store-create rate limit shared by every replica', () => {
  it('a create on one process, then another on the second within the minute → 429 rate_limited with Retry-After', async () => {
    await requestJson(a.baseUrl, 'POST', '/api/v1/auth/register', { body: { email: 'rl@example.com', password: 'a long enough password' } });
    const token = (await requestJson(b.baseUrl, 'POST', '/api/v1/auth/login', { body: { email: 'rl@example.com', password: 'a long enough password' } })).body
      .accessToken;

    // Invalid requests and replays do not use the allowance.
    expect((await requestJson(a.baseUrl, 'POST', '/api/v1/stores', { token, body: { name: 'x' } })).status).toBe(422);
    const first = await requestJson(a.baseUrl, 'POST', '/api/v1/stores', { token, body: { name: 'first-shop' } });
    expect(first.status).toBe(202);
    expect(first.headers.get('ratelimit-policy')).toBeTruthy();
    const replay = await requestJson(b.baseUrl, 'POST', '/api/v1/stores', { token, body: { name: 'first-shop' } });
    expect(replay.status).toBe(200);

    const second = await requestJson(b.baseUrl, 'POST', '/api/v1/stores', { token, body: { name: 'second-shop' } });
    expect(second.status).toBe(429);
    expect(second.headers.get('content-type')).toMatch(/problem\+json/);
    expect(second.body.code).toBe('rate_limited');
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(second.headers.get('ratelimit')).toMatch(/r=0/);

    // Blocked attempts do not extend the window or the count: still exactly one store.
    const list = await requestJson(a.baseUrl, 'GET', '/api/v1/stores', { token });
    expect(list.body.items.map((s: any) => s.name)).toEqual(['first-shop']);
  });

  it('the window expiring lets the next create through (counter row aged in the database)', async () => {
    await requestJson(a.baseUrl, 'POST', '/api/v1/auth/register', { body: { email: 'rl2@example.com', password: 'a long enough password' } });
    const token = (await requestJson(a.baseUrl, 'POST', '/api/v1/auth/login', { body: { email: 'rl2@example.com', password: 'a long enough password' } })).body
      .accessToken;
    expect((await requestJson(a.baseUrl, 'POST', '/api/v1/stores', { token, body: { name: 'one-shop' } })).status).toBe(202);
    expect((await requestJson(b.baseUrl, 'POST', '/api/v1/stores', { token, body: { name: 'two-shop' } })).status).toBe(429);
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`UPDATE rate_limits SET reset_at = now() - interval '1 second'`);
    await c.end();
    expect((await requestJson(b.baseUrl, 'POST', '/api/v1/stores', { token, body: { name: 'two-shop' } })).status).toBe(202);
  });
});
