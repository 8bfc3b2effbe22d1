import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startTestPlatform, type TestPlatform } from '../../test/support/test-platform.ts';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ JWT_SECRET: 'test-secret-test-secret-test-secret-123', OPERATOR_EMAILS: 'boss@example.com' });
});
afterAll(async () => t?.close());

const secret = 'test-secret-test-secret-test-secret-123';
const claims = (sub: string) => ({ sub, iss: 'store-platform', aud: 'store-platform-api' });

describe('register and login', () => {
  it('registers (201, no hash in the body), logs in (200 Bearer token) and reads /me with the quota', async () => {
    const reg = await t.request('POST', '/api/v1/auth/register', { body: { email: 'Alice@Example.com', password: 'a long enough password' } });
    expect(reg.status).toBe(201);
    expect(reg.body).toEqual({ id: expect.any(String), email: 'alice@example.com', role: 'user', createdAt: expect.any(String) });
    const login = await t.request('POST', '/api/v1/auth/login', { body: { email: 'ALICE@example.com', password: 'a long enough password' } });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600 });
    const decoded = jwt.decode(login.body.accessToken, { complete: true })!;
    expect(decoded.header.alg).toBe('HS256');
    expect(decoded.payload).toMatchObject({ sub: reg.body.id, iss: 'store-platform', aud: 'store-platform-api', exp: expect.any(Number) });
    const me = await t.request('GET', '/api/v1/me', { token: login.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: reg.body.id, email: 'alice@example.com', quota: { limit: 5, used: 0 } });
    const row = await t.platform.knex('users').where('id', reg.body.id).first();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('rejects an e-mail already registered in another case with 409 email_taken', async () => {
    await t.request('POST', '/api/v1/auth/register', { body: { email: 'bob@example.com', password: 'a long enough password' } });
    const again = await t.request('POST', '/api/v1/auth/register', { body: { email: 'BOB@example.com', password: 'another long password' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('email_taken');
  });

  it('validates sign-up input with field errors', async () => {
    const res = await t.request('POST', '/api/v1/auth/register', { body: { email: 'not-an-email', password: 'short' } });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: any) => e.field).sort()).toEqual(['email', 'password']);
  });

  it('gives operators listed in OPERATOR_EMAILS the operator role', async () => {
    const reg = await t.request('POST', '/api/v1/auth/register', { body: { email: 'boss@example.com', password: 'a long enough password' } });
    expect(reg.body.role).toBe('operator');
  });

  it('answers a wrong password 401 and audits the attempted identity and source IP', async () => {
    await t.signUp('carol@example.com');
    const res = await t.request('POST', '/api/v1/auth/login', { body: { email: 'carol@example.com', password: 'wrong password!' } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
    const unknown = await t.request('POST', '/api/v1/auth/login', { body: { email: 'nobody@example.com', password: 'whatever123' } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(res.body.detail); // no user enumeration
    const rows = await t.platform.knex('audit_events').where({ action: 'auth.login', outcome: 'failure' }).orderBy('id');
    expect(rows.map((r) => r.identity)).toEqual(['carol@example.com', 'nobody@example.com']);
    expect(rows[0].source_ip).toMatch(/127\.0\.0\.1/);
  });
});

describe('sign-in throttling', () => {
  it('after 10 failed sign-ins for one e-mail from one address, refuses even the right password (429, Retry-After); others are unaffected', async () => {
    await t.signUp('target@example.com', 'the right password!');
    for (let i = 0; i < 10; i++) {
      expect((await t.request('POST', '/api/v1/auth/login', { body: { email: 'target@example.com', password: `guess number ${i}` } })).status).toBe(401);
    }
    const blocked = await t.request('POST', '/api/v1/auth/login', { body: { email: 'TARGET@example.com', password: 'the right password!' } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('too_many_attempts');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    await t.signUp('bystander@example.com', 'another right password');
    expect((await t.request('POST', '/api/v1/auth/login', { body: { email: 'bystander@example.com', password: 'another right password' } })).status).toBe(200);
  });

  it('does not count successful sign-ins', async () => {
    await t.signUp('regular@example.com', 'my usual password');
    for (let i = 0; i < 12; i++)
      expect((await t.request('POST', '/api/v1/auth/login', { body: { email: 'regular@example.com', password: 'my usual password' } })).status).toBe(200);
  });
});

describe('JWT validation (passport-jwt, algorithm pinned)', () => {
  let userId: string;
  beforeAll(async () => {
    userId = (await t.signUp('dave@example.com')).userId;
  });

  const rejected: Array<[string, () => string]> = [
    ['a wrong signature', () => jwt.sign(claims(userId), 'some-other-secret-some-other-secret-00', { algorithm: 'HS256', expiresIn: 60 })],
    ['alg none', () => jwt.sign(claims(userId), '', { algorithm: 'none' as jwt.Algorithm, expiresIn: 60 })],
    ['an expired exp', () => jwt.sign({ ...claims(userId), exp: Math.floor(Date.now() / 1000) - 10 }, secret, { algorithm: 'HS256' })],
    ['a wrong audience', () => jwt.sign({ ...claims(userId), aud: 'someone-else' }, secret, { algorithm: 'HS256', expiresIn: 60 })],
    ['a wrong issuer', () => jwt.sign({ ...claims(userId), iss: 'evil' }, secret, { algorithm: 'HS256', expiresIn: 60 })],
    ['HS512 instead of HS256', () => jwt.sign(claims(userId), secret, { algorithm: 'HS512', expiresIn: 60 })],
    ['a garbage token', () => 'not.a.jwt'],
  ];

  const failuresCounted = async () => {
    const m = (await t.platform.metrics.registry.getMetricsAsJSON()).find((x) => x.name === 'store_platform_auth_failures_total');
    return ((m?.values ?? []) as Array<{ value: number }>).reduce((a, v) => a + v.value, 0);
  };

  it.each(rejected)('rejects %s with 401, counted in the failure metric', async (_label, make) => {
    const before = await failuresCounted();
    const res = await t.request('GET', '/api/v1/stores', { token: make() });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body.code).toBe('unauthorized');
    expect(await failuresCounted()).toBe(before + 1);
  });

  it('rejects a token without exp (never expiring) with 401', async () => {
    const forever = jwt.sign(claims(userId), secret, { algorithm: 'HS256' });
    expect(jwt.decode(forever, { json: true })!.exp).toBeUndefined();
    expect((await t.request('GET', '/api/v1/me', { token: forever })).status).toBe(401);
  });

  it('writes one audit row per source address per window for a flood of junk tokens, with the rest summarised, not one row each', async () => {
    const rows = () =>
      t.platform
        .knex('audit_events')
        .where({ action: 'auth.failure' })
        .count({ n: '*' })
        .first()
        .then((r) => Number(r!.n));
    const before = await rows();
    const counted = await failuresCounted();
    for (let i = 0; i < 50; i++) expect((await t.request('GET', '/api/v1/stores', { token: `junk.${i}.token` })).status).toBe(401);
    expect(await failuresCounted()).toBe(counted + 50);
    expect((await rows()) - before).toBeLessThanOrEqual(1); // the window of 127.0.0.1 opened earlier in this file, or now
    const last = await t.platform.knex('audit_events').where({ action: 'auth.failure' }).orderBy('id', 'desc').first();
    expect(last).toMatchObject({ source_ip: expect.stringMatching(/127\.0\.0\.1/), details: expect.objectContaining({ sampled: true }) });
  });

  it('accepts a well-formed token and rejects requests with no credentials (401, audited)', async () => {
    const ok = await t.request('GET', '/api/v1/stores', { token: jwt.sign(claims(userId), secret, { algorithm: 'HS256', expiresIn: 60 }) });
    expect(ok.status).toBe(200);
    const none = await t.request('GET', '/api/v1/stores');
    expect(none.status).toBe(401);
  });
});

describe('API keys', () => {
  it('creates (shown once), authenticates by Bearer and X-API-Key, lists prefixes only, revokes (then 401, audited)', async () => {
    const u = await t.signUp('erin@example.com');
    const created = await t.request('POST', '/api/v1/api-keys', { token: u.token, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^sp_[\w-]{43}$/);
    expect(created.body.prefix).toBe(key.slice(0, 11));
    expect((await t.request('GET', '/api/v1/me', { token: key })).body.email).toBe('erin@example.com');
    expect((await t.request('GET', '/api/v1/me', { headers: { 'X-API-Key': key } })).status).toBe(200);
    const list = await t.request('GET', '/api/v1/api-keys', { token: u.token });
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: created.body.id, name: 'ci', prefix: key.slice(0, 11), revokedAt: null, lastUsedAt: expect.any(String) }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(key);
    const stored = await t.platform.knex('api_keys').where('id', created.body.id).first();
    expect(JSON.stringify(stored)).not.toContain(key);

    const other = await t.signUp();
    expect((await t.request('DELETE', `/api/v1/api-keys/${created.body.id}`, { token: other.token })).status).toBe(403);
    expect((await t.request('DELETE', `/api/v1/api-keys/${created.body.id}`, { token: u.token })).status).toBe(204);
    const after = await t.request('GET', '/api/v1/me', { headers: { 'X-API-Key': key } });
    expect(after.status).toBe(401);
    // Counted by reason; audited per address and window (the sampler's own test is in the JWT section).
    const counted = (await t.platform.metrics.registry.getMetricsAsJSON()).find((x) => x.name === 'store_platform_auth_failures_total')!;
    expect(
      (counted.values as Array<{ labels: { reason?: string }; value: number }>).find((v) => v.labels.reason === 'invalid_api_key')?.value,
    ).toBeGreaterThanOrEqual(1);
  });

  it('never accepts a key in the query string, and never logs it', async () => {
    const u = await t.signUp();
    const key: string = (await t.request('POST', '/api/v1/api-keys', { token: u.token, body: { name: 'leaky' } })).body.key;
    for (const name of ['api_key', 'apiKey', 'key', 'access_token', 'token']) {
      expect((await t.request('GET', `/api/v1/me?${name}=${key}`)).status).toBe(401);
    }
    expect(t.logs.text()).not.toContain(key.slice(11));
    const audited = await t.platform.knex('audit_events').select('resource', 'details');
    expect(JSON.stringify(audited)).not.toContain(key.slice(11));
  });

  it('refuses a NUL byte in a key name with a 422 field error', async () => {
    const u = await t.signUp();
    for (const name of ['ci\u0000', 'line\nbreak', 'tab\tname']) {
      const res = await t.request('POST', '/api/v1/api-keys', { token: u.token, body: { name } });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'name', code: 'control_characters' })]);
    }
    expect(await t.platform.knex('api_keys').where('user_id', u.userId)).toHaveLength(0);
  });
});

describe('logs', () => {
  it('never contain a registered password or an Authorization header', async () => {
    const password = 'Very-Secret-Passphrase-4711';
    const u = await t.signUp('frank@example.com', password);
    await t.request('GET', '/api/v1/me', { token: u.token });
    await t.request('POST', '/api/v1/auth/login', { body: { email: 'frank@example.com', password: `${password}-wrong` } });
    const key = (await t.request('POST', '/api/v1/api-keys', { token: u.token, body: { name: 'k' } })).body.key;
    await t.request('GET', '/api/v1/me', { headers: { 'X-API-Key': key, Cookie: 'session=abc123cookie' } });
    const text = t.logs.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).toContain('frank@example.com'); // the log does say who
    expect(text).not.toContain(password);
    expect(text).not.toContain(u.token);
    expect(text).not.toContain(key);
    expect(text).not.toContain('abc123cookie');
    expect(text.toLowerCase()).not.toMatch(/"authorization":"bearer/);
  });

  it('carry the request id, the user id and the store id on request lines', async () => {
    const u = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'logged' } });
    await t.request('GET', `/api/v1/stores/${s.body.id}`, { token: u.token, headers: { 'X-Request-Id': 'trace-me-42' } });
    const line = t.logs.lines.map((l) => JSON.parse(l)).find((l) => l.req?.id === 'trace-me-42' && l.msg === 'request completed');
    expect(line).toMatchObject({ userId: u.userId, storeId: s.body.id, res: { statusCode: 200 } });
  });
});

describe('external identity provider (JWKS)', () => {
  let idp: Server;
  let ext: TestPlatform;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    idp = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    ext = await startTestPlatform({
      JWT_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`,
      JWT_ISSUER: 'https://idp.example',
      JWT_AUDIENCE: 'stores',
    });
  });
  afterAll(async () => {
    await ext?.close();
    idp?.close();
  });

  const token = (over: Record<string, unknown> = {}) =>
    new SignJWT({ email: 'grace@example.com', ...over })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.example')
      .setAudience('stores')
      .setSubject('idp-user-1')
      .setExpirationTime('5m')
      .sign(privateKey);

  it('accepts an RS256 token signed by the provider and creates the user on first sight', async () => {
    const res = await ext.request('GET', '/api/v1/me', { token: await token() });
    expect(res.status).toBe(200);
    expect(res.body.email).toBe('grace@example.com');
  });

  it('rejects an HS256 token even when signed with the public key material or a secret', async () => {
    const forged = jwt.sign({ email: 'grace@example.com', iss: 'https://idp.example', aud: 'stores' }, 'guess-guess-guess-guess-guess-guess', {
      algorithm: 'HS256',
      expiresIn: 60,
    });
    expect((await ext.request('GET', '/api/v1/me', { token: forged })).status).toBe(401);
  });

  it('rejects a provider token without exp, and creates no user for it', async () => {
    const forever = await new SignJWT({ email: 'eternal@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.example')
      .setAudience('stores')
      .setSubject('idp-user-2')
      .sign(privateKey);
    expect((await ext.request('GET', '/api/v1/me', { token: forever })).status).toBe(401);
    expect(await ext.platform.knex('users').where({ email: 'eternal@example.com' })).toHaveLength(0);
  });

  it('rejects a provider token for another audience', async () => {
    const wrong = await new SignJWT({ email: 'grace@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.example')
      .setAudience('other')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await ext.request('GET', '/api/v1/me', { token: wrong })).status).toBe(401);
  });
});
