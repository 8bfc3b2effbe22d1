import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '../../http/validate.ts';
import type { ApiRegistry } from '../../http/api-registry.ts';
import { isFromDashboard } from '../../http/dashboard-hop.ts';
import { AppError, ForbiddenError } from '../../errors/app-error.ts';
import type { UserService } from '../users/user-service.ts';
import type { LoginThrottle } from '../../rate-limit/login-throttle.ts';
import type { SessionService } from './session-service.ts';
import type { PasswordChangeService } from './password-change-service.ts';
import { LoginBody } from './auth.schema.ts';
import { actorOf, requestOrigin } from '../../auth/actor.ts';

const SessionResponse = z.object({
  /** Opaque; valid only when presented by the dashboard's server (X-Dashboard-Session with its secret). */
  session: z.string(),
  /** The session ends after this many seconds without a request. */
  idleTimeoutSeconds: z.number().int(),
});

export const ChangePasswordBody = z.strictObject({
  /** The password in use now. */
  currentPassword: z.string().min(1, 'Enter your current password.').max(200),
  /** 10–200 characters. */
  newPassword: z.string().min(10, 'A password has at least 10 characters.').max(200, 'A password has at most 200 characters.'),
});

/** Dashboard sign-in (public, dashboard's server only). */
export function sessionController({
  users,
  sessions,
  throttle,
  registry,
  prefix,
}: {
  users: UserService;
  sessions: SessionService;
  throttle: LoginThrottle;
  registry: ApiRegistry;
  prefix: string;
}): Router {
  const router = Router();
  registry.route(
    router,
    prefix,
    {
      method: 'post',
      path: '/auth/sessions',
      summary: 'Dashboard: sign in to a server-side session (only from the dashboard’s server)',
      tag: 'auth',
      auth: false,
      body: LoginBody,
      responses: {
        201: { description: 'A session', schema: SessionResponse },
        401: { description: 'Wrong e-mail or password' },
        403: { description: 'Not the dashboard’s server' },
        422: { description: 'Validation failed' },
        429: { description: '`too_many_attempts`' },
      },
    },
    async (req, res) => {
      const body = parseOrThrow(LoginBody, req.body ?? {}, 'body');
      if (!isFromDashboard(req)) throw new ForbiddenError('Sessions are for the dashboard; API clients sign in at /auth/login or use an API key.');
      const user = await throttle.guard(body.email, req.ip, () => users.authenticate(body, requestOrigin(req)));
      const { token } = await sessions.start(user.id, req.ip ?? null);
      res.status(201).json({ session: token, idleTimeoutSeconds: sessions.idleTimeoutSeconds });
    },
  );
  return router;
}

/** Sign-out of a session and password change (authenticated). */
export function accountController({
  sessions,
  passwords,
  registry,
  prefix,
}: {
  sessions: SessionService;
  passwords: PasswordChangeService;
  registry: ApiRegistry;
  prefix: string;
}): Router {
  const router = Router();
  registry.route(
    router,
    prefix,
    {
      method: 'delete',
      path: '/auth/session',
      summary: 'Dashboard: end the current session (sign out)',
      tag: 'auth',
      responses: { 204: { description: 'Ended' }, 400: { description: 'Not signed in with a session' } },
    },
    async (req, res) => {
      if (req.auth!.method !== 'session' || !req.auth!.sessionHash)
        throw new AppError(400, 'not_a_session', 'Bad Request', 'This request is not signed in with a dashboard session.');
      await sessions.end(req.auth!.sessionHash);
      res.status(204).end();
    },
  );
  registry.route(
    router,
    prefix,
    {
      method: 'post',
      path: '/me/password',
      summary: 'Change your password; your other sessions and earlier tokens end',
      tag: 'auth',
      body: ChangePasswordBody,
      responses: {
        200: { description: 'Changed', schema: z.object({ endedSessions: z.number().int() }) },
        422: { description: 'Validation failed, or the current password is wrong' },
      },
    },
    async (req, res) => {
      const body = parseOrThrow(ChangePasswordBody, req.body ?? {}, 'body');
      res.json(await passwords.change(req.auth!.userId, body, actorOf(req), req.auth!.sessionHash));
    },
  );
  return router;
}
