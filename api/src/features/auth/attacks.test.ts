import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/test-platform.ts';

// Each attack of the hardening review, run as the attacker would, against the real app and PostgreSQL.
const DASHBOARD_SECRET = 'dashboard-secret-of-this-test-0123456789abcdef';
const JWT_SECRET = 'attack-test-secret-attack-test-secret-0123';
let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ DASHBOARD_SECRET, JWT_SECRET, OPERATOR_EMAILS: 'op@example.com', SIGNUPS_PER_ADDRESS_PER_HOUR: '100000' });
});
afterAll(async () => t?.close());

/** What the dashboard's server sends for a browser at `ip`. */
const viaDashboard = (ip: string, session?: string) => ({
  'x-dashboard-secret': DASHBOARD_SECRET,
  'x-dashboard-client-ip': ip,
  ...(session ? { 'x-dashboard-session': session } : {}),
});
const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  t.request('POST', '/api/v1/auth/login', { body: { email, password }, headers });
const dashboardSignIn = (email: string, password: string, ip = '203.0.113.10') =>
  t.request('POST', '/api/v1/auth/sessions', { body: { email, password }, headers: viaDashboard(ip) });

describe('dashboard sessions', () => {
  it('the session value is not an API credential: as a Bearer token, an API key, or a session header without the dashboard secret, it is 401', async () => {
    const u = await t.signUp();
    const s = await dashboardSignIn(u.email, u.password);
    expect(s.status).toBe(201);
    const session: string = s.body.session;
    expect(session).toMatch(/^sps_/);
    expect((await t.request('GET', '/api/v1/me', { headers: viaDashboard('203.0.113.10', session) })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { token: session })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { headers: { 'x-api-key': session } })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { headers: { 'x-dashboard-session': session } })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { headers: { 'x-dashboard-session': session, 'x-dashboard-secret': 'a guess' } })).status).toBe(401);
    // Only its hash is kept.
    expect(JSON.stringify(await t.platform.knex('sessions'))).not.toContain(session.slice(4));
  });

  it('only the dashboard’s server can open a session', async () => {
    const u = await t.signUp();
    const res = await t.request('POST', '/api/v1/auth/sessions', { body: { email: u.email, password: u.password } });
    expect(res.status).toBe(403);
  });

  it('a session replayed after sign-out is refused', async () => {
    const u = await t.signUp();
    const session: string = (await dashboardSignIn(u.email, u.password)).body.session;
    expect((await t.request('DELETE', '/api/v1/auth/session', { headers: viaDashboard('203.0.113.10', session) })).status).toBe(204);
    expect((await t.request('GET', '/api/v1/me', { headers: viaDashboard('203.0.113.10', session) })).status).toBe(401);
    expect(await t.platform.knex('sessions').where('user_id', u.userId)).toHaveLength(0);
  });

  it('a session idle longer than SESSION_IDLE_MINUTES is refused', async () => {
    const u = await t.signUp();
    const session: string = (await dashboardSignIn(u.email, u.password)).body.session;
    expect((await t.request('GET', '/api/v1/me', { headers: viaDashboard('203.0.113.10', session) })).status).toBe(200);
    await t.platform
      .knex('sessions')
      .where('user_id', u.userId)
      .update({ last_seen_at: t.platform.knex.raw("now() - interval '31 minutes'") });
    expect((await t.request('GET', '/api/v1/me', { headers: viaDashboard('203.0.113.10', session) })).status).toBe(401);
  });

  it('a password change ends the other sessions and the earlier tokens; the session that changed it stays; the new password works', async () => {
    const u = await t.signUp();
    const mine: string = (await dashboardSignIn(u.email, u.password, '203.0.113.20')).body.session;
    const stolen: string = (await dashboardSignIn(u.email, u.password, '198.51.100.66')).body.session;
    const oldToken = u.token;
    const wrong = await t.request('POST', '/api/v1/me/password', {
      headers: viaDashboard('203.0.113.20', mine),
      body: { currentPassword: 'not it at all', newPassword: 'a brand new password' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0].field).toMatch(/currentPassword/);
    const changed = await t.request('POST', '/api/v1/me/password', {
      headers: viaDashboard('203.0.113.20', mine),
      body: { currentPassword: u.password, newPassword: 'a brand new password' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.endedSessions).toBe(1);
    expect((await t.request('GET', '/api/v1/me', { headers: viaDashboard('198.51.100.66', stolen) })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { token: oldToken })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { headers: viaDashboard('203.0.113.20', mine) })).status).toBe(200);
    expect((await login(u.email, u.password)).status).toBe(401);
    const fresh = await login(u.email, 'a brand new password');
    expect(fresh.status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { token: fresh.body.accessToken })).status).toBe(200);
  });
});

describe('one client, one address', () => {
  it('the audit trail records the browser’s address the dashboard forwards, and ignores a forwarded address without the secret', async () => {
    const u = await t.signUp();
    await dashboardSignIn(u.email, 'wrong password here', '192.0.2.77');
    await t.request('POST', '/api/v1/auth/login', {
      body: { email: u.email, password: 'wrong again here' },
      headers: { 'x-dashboard-client-ip': '192.0.2.99' },
    });
    const rows = await t.platform.knex('audit_events').where({ action: 'auth.login', outcome: 'failure', identity: u.email }).orderBy('id');
    expect(rows.map((r) => r.source_ip)).toEqual(['192.0.2.77', expect.stringMatching(/127\.0\.0\.1/)]);
  });

  it('ten wrong sign-ins from one browser through the dashboard do not lock out another browser', async () => {
    const u = await t.signUp();
    for (let i = 0; i < 10; i++) expect((await dashboardSignIn(u.email, `guess ${i} guess`, '192.0.2.1')).status).toBe(401);
    expect((await dashboardSignIn(u.email, u.password, '192.0.2.1')).status).toBe(429);
    expect((await dashboardSignIn(u.email, u.password, '192.0.2.2')).status).toBe(201);
  });
});

describe('sign-in throttles', () => {
  it('guessing one account from many addresses stops at the per-account limit (20), while the owner still signs in from an address they used before', async () => {
    const victim = await t.signUp();
    expect((await login(victim.email, victim.password, viaDashboard('203.0.113.50'))).status).toBe(200); // the owner's usual address
    let refused = 0;
    let tried = 0;
    for (let a = 0; a < 12; a++) {
      for (let i = 0; i < 9; i++) {
        tried++;
        const r = await login(victim.email, `guess ${a}-${i}!!`, viaDashboard(`198.51.100.${a + 1}`));
        expect([401, 429]).toContain(r.status);
        if (r.status === 429) refused++;
      }
    }
    expect(tried).toBe(108);
    expect(tried - refused).toBe(20); // only 20 of the 108 guesses were checked at all
    // A guess with the right password from a new address is refused too: the attacker cannot get in by luck.
    expect((await login(victim.email, victim.password, viaDashboard('198.51.100.200'))).status).toBe(429);
    // The lock-out attempt does not lock out the owner.
    expect((await login(victim.email, victim.password, viaDashboard('203.0.113.50'))).status).toBe(200);
    // …and that sign-in resets the account's count.
    expect((await login(victim.email, 'one more guess!', viaDashboard('198.51.100.201'))).status).toBe(401);
  });

  it('spraying many accounts from one address stops at the per-address limit (30); other addresses are unaffected', async () => {
    const accounts = await Promise.all(Array.from({ length: 3 }, () => t.signUp()));
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await login(`sprayed${i}@example.com`, 'Winter2026!', viaDashboard('198.51.100.150'))).status);
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect((await login(accounts[0]!.email, 'Winter2026!', viaDashboard('198.51.100.150'))).status).toBe(429);
    expect((await login(accounts[1]!.email, accounts[1]!.password, viaDashboard('198.51.100.150'))).status).toBe(429);
    expect((await login(accounts[1]!.email, accounts[1]!.password, viaDashboard('203.0.113.151'))).status).toBe(200);
  });

  it('a NUL byte or newline in the sign-in e-mail is a 422 field error, and nothing is written', async () => {
    const before = await t.platform.knex('rate_limits').count({ n: '*' }).first();
    for (const email of ['a\u0000@example.com', 'victim@example.com\u0000', 'x\n@example.com', '\u0007@example.com']) {
      for (const path of ['/api/v1/auth/login', '/api/v1/auth/sessions', '/api/v1/auth/register']) {
        const res = await t.request('POST', path, { body: { email, password: 'whatever password' }, headers: viaDashboard('192.0.2.200') });
        expect(res.status, `${path} ${JSON.stringify(email)}`).toBe(422);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
      }
    }
    const after = await t.platform.knex('rate_limits').whereNot('key', 'like', 'signup:%').count({ n: '*' }).first();
    expect(Number(after!.n)).toBeLessThanOrEqual(Number(before!.n));
  });
});

describe('sign-up limit', () => {
  let s: TestPlatform;
  beforeAll(async () => {
    s = await startTestPlatform({ DASHBOARD_SECRET, SIGNUPS_PER_ADDRESS_PER_HOUR: '10' });
  });
  afterAll(async () => s?.close());

  it('30 sign-ups from one address: the 11th on is refused (429, Retry-After); another address still signs up', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        s.request('POST', '/api/v1/auth/register', {
          body: { email: `bot${i}@example.com`, password: 'a long enough password' },
          headers: viaDashboard('198.51.100.9'),
        }),
      ).map((p) => p.then((r) => r.status)),
    );
    expect(statuses.filter((x) => x === 201)).toHaveLength(10);
    expect(statuses.filter((x) => x === 429)).toHaveLength(20);
    const refused = await s.request('POST', '/api/v1/auth/register', {
      body: { email: 'bot-late@example.com', password: 'a long enough password' },
      headers: viaDashboard('198.51.100.9'),
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(
      (
        await s.request('POST', '/api/v1/auth/register', {
          body: { email: 'human@example.com', password: 'a long enough password' },
          headers: viaDashboard('203.0.113.9'),
        })
      ).status,
    ).toBe(201);
    expect(Number((await s.platform.knex('users').count({ n: '*' }).first())!.n)).toBe(11);
  });
});

describe('no 5xx on bad input', () => {
  it('a NUL byte or control character in the audit action filter is a 422 field error', async () => {
    await t.request('POST', '/api/v1/auth/register', { body: { email: 'op@example.com', password: 'a long enough password' } });
    const op = (await login('op@example.com', 'a long enough password')).body.accessToken;
    for (const action of ['auth.login%00', 'a%0Ab', '%09']) {
      const res = await t.request('GET', `/api/v1/audit?action=${action}`, { token: op });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'action', code: 'control_characters' })]);
    }
  });
});

describe('response headers', () => {
  it('no-store and nosniff on credential-bearing and authenticated answers; nosniff on the API', async () => {
    const u = await t.signUp();
    const responses = [
      await login(u.email, u.password),
      await t.request('POST', '/api/v1/api-keys', { token: u.token, body: { name: 'k' } }),
      await t.request('GET', '/api/v1/me', { token: u.token }),
      await t.request('GET', '/api/v1/stores', { token: u.token }),
      await t.request('GET', '/api/v1/me'),
    ];
    for (const r of responses) {
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(responses[0]!.headers.get('strict-transport-security')).toBeNull(); // plain HTTP: no HSTS
  });

  it('/api/docs has a Content-Security-Policy that allows no script and only its own style', async () => {
    const res = await t.request('GET', '/api/docs');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[\w+/=]+'/);
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('HSTS when served over TLS through a trusted proxy (X-Forwarded-Proto: https), not when the proxy is not trusted', async () => {
    const behind = await startTestPlatform({ TRUST_PROXY_HOPS: '1' });
    try {
      const res = await behind.request('GET', '/api/v1/platform', { headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    } finally {
      await behind.close();
    }
    const untrusted = await t.request('GET', '/api/v1/platform', { headers: { 'x-forwarded-proto': 'https' } });
    expect(untrusted.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('tokens', () => {
  it('a token without exp is refused', async () => {
    const u = await t.signUp();
    const forever = jwt.sign({ sub: u.userId, iss: 'store-platform', aud: 'store-platform-api', pwc: 0 }, JWT_SECRET, { algorithm: 'HS256' });
    expect((await t.request('GET', '/api/v1/me', { token: forever })).status).toBe(401);
  });
});
