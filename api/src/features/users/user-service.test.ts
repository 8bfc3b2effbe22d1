import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { UserService } from './user-service.ts';

const origin = { ip: '198.51.100.4', requestId: 'req-1' };
const reject = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('expected a rejection')),
    (e) => e as { status: number; code: string },
  );

describe(UserService.name, () => {
  it('registers with a hashed password, operators by e-mail, and refuses a taken e-mail (any case) with 409', async () => {
    const f = createFakeServices({ env: { OPERATOR_EMAILS: 'boss@example.com' } });
    const u = await f.services.users.register({ email: 'Ann@Example.com', password: 'a long enough password' }, origin);
    expect(u).toMatchObject({ email: 'ann@example.com', role: 'user' });
    expect(u.password_hash).toMatch(/^\$argon2id\$/);
    expect((await f.services.users.register({ email: 'boss@example.com', password: 'a long enough password' }, origin)).role).toBe('operator');
    expect(await reject(f.services.users.register({ email: 'ANN@example.com', password: 'another password!' }, origin))).toMatchObject({
      status: 409,
      code: 'email_taken',
    });
    expect(f.repos.audit.rows[0]).toMatchObject({ action: 'user.register', user_id: u.id, source_ip: '198.51.100.4', request_id: 'req-1' });
  });

  it('signs in with the right password only; both failures look the same and are audited', async () => {
    const f = createFakeServices();
    const u = await f.services.users.register({ email: 'bo@example.com', password: 'a long enough password' }, origin);
    const token = await f.services.users.login({ email: 'bo@example.com', password: 'a long enough password' }, origin);
    expect(jwt.verify(token.accessToken, f.config.jwt.secret, { audience: f.config.jwt.audience, issuer: f.config.jwt.issuer })).toMatchObject({ sub: u.id });
    const wrong = await reject(f.services.users.login({ email: 'bo@example.com', password: 'wrong password!!' }, origin));
    const unknown = await reject(f.services.users.login({ email: 'nobody@example.com', password: 'wrong password!!' }, origin));
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(f.repos.audit.rows.filter((r) => r.action === 'auth.login').map((r) => [r.outcome, r.details.reason ?? null])).toEqual([
      ['success', null],
      ['failure', 'wrong_password'],
      ['failure', 'unknown_user'],
    ]);
  });

  it('refuses sign-up when registration is off', async () => {
    const f = createFakeServices({ env: { ALLOW_REGISTRATION: 'false' } });
    expect(await reject(f.services.users.register({ email: 'x@example.com', password: 'a long enough password' }, origin))).toMatchObject({ status: 403 });
    expect(f.repos.users.rows.size).toBe(0);
  });

  it('sets a quota override for operators only; null restores the default', async () => {
    const f = createFakeServices();
    const op = await f.actors.user('op@example.com', 'operator');
    const user = await f.actors.user();
    expect(await reject(f.services.users.setQuota(user, user.userId, 50))).toMatchObject({ status: 403 });
    expect((await f.services.users.setQuota(op, user.userId, 7)).quota).toEqual({ limit: 7, used: 0 });
    expect((await f.services.users.setQuota(op, user.userId, null)).quota).toEqual({ limit: f.config.defaultStoreQuota, used: 0 });
    expect(await reject(f.services.users.setQuota(op, '00000000-0000-4000-8000-000000000000', 1))).toMatchObject({ status: 404 });
  });
});
