import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '../../http/validate.ts';
import { actorOf, requestOrigin } from '../../auth/actor.ts';
import type { ApiRegistry } from '../../http/api-registry.ts';
import type { UserService } from '../users/user-service.ts';
import type { LoginThrottle } from '../../rate-limit/login-throttle.ts';
import { presentUser } from '../users/user-presenter.ts';
import { LoginBody, MeResponse, RegisterBody, TokenResponse, UserResponse } from './auth.schema.ts';

/** Public sign-up and sign-in (mounted before authentication). */
export function authController({
  users,
  registry,
  prefix,
  loginThrottle,
  signupLimiter,
}: {
  users: UserService;
  registry: ApiRegistry;
  prefix: string;
  loginThrottle: LoginThrottle;
  signupLimiter: RequestHandler;
}): Router {
  const router = Router();
  registry.route(
    router,
    prefix,
    {
      method: 'post',
      path: '/auth/register',
      summary: 'Create an account',
      tag: 'auth',
      auth: false,
      body: RegisterBody,
      responses: {
        201: { description: 'Account created', schema: UserResponse },
        409: { description: '`email_taken`' },
        422: { description: 'Validation failed' },
        429: { description: '`too_many_signups` from this address (Retry-After)' },
      },
    },
    signupLimiter,
    async (req, res) => {
      const user = await users.register(parseOrThrow(RegisterBody, req.body ?? {}, 'body'), requestOrigin(req));
      res.status(201).json(presentUser(user));
    },
  );
  registry.route(
    router,
    prefix,
    {
      method: 'post',
      path: '/auth/login',
      summary: 'Exchange e-mail and password for an access token',
      tag: 'auth',
      auth: false,
      body: LoginBody,
      responses: {
        200: { description: 'A bearer token', schema: TokenResponse },
        401: { description: 'Wrong e-mail or password' },
        422: { description: 'Validation failed' },
        429: { description: '`too_many_attempts`: too many failed sign-ins (Retry-After)' },
      },
    },
    async (req, res) => {
      // Validated first: the throttle only ever counts a well-formed, normalised e-mail.
      const body = parseOrThrow(LoginBody, req.body ?? {}, 'body');
      res.json(await loginThrottle.guard(body.email, req.ip, () => users.login(body, requestOrigin(req))));
    },
  );
  return router;
}

const QuotaBody = z.strictObject({
  /** Stores this user may have; null restores DEFAULT_STORE_QUOTA. */
  storeQuota: z.number().int().min(0).max(10000).nullable(),
});
const UserIdParams = z.strictObject({ id: z.uuid('A user id is a UUID.') });

/** The caller's profile, and the operators' per-user quota override. */
export function meController({
  users,
  registry,
  prefix,
  requireOperator,
}: {
  users: UserService;
  registry: ApiRegistry;
  prefix: string;
  requireOperator: import('express').RequestHandler;
}): Router {
  const router = Router();
  registry.route(
    router,
    prefix,
    {
      method: 'get',
      path: '/me',
      summary: 'The signed-in user and their store quota',
      tag: 'auth',
      responses: { 200: { description: 'You', schema: MeResponse } },
    },
    async (req, res) => {
      const { user, quota } = await users.profile(actorOf(req).userId);
      res.json({ ...presentUser(user), quota });
    },
  );
  registry.route(
    router,
    prefix,
    {
      method: 'put',
      path: '/users/:id/quota',
      summary: 'Operators: set a user’s store quota',
      tag: 'operators',
      params: UserIdParams,
      body: QuotaBody,
      responses: {
        200: { description: 'The user and quota', schema: MeResponse },
        403: { description: 'Not an operator' },
        404: { description: 'No such user' },
        422: { description: 'Validation failed' },
      },
    },
    requireOperator,
    async (req, res) => {
      const { id } = parseOrThrow(UserIdParams, req.params, 'params');
      const body = parseOrThrow(QuotaBody, req.body ?? {}, 'body');
      const { user, quota } = await users.setQuota(actorOf(req), id, body.storeQuota);
      res.json({ ...presentUser(user), quota });
    },
  );
  return router;
}
