import { createSecretKey, KeyObject } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy, type StrategyOptionsWithRequest } from 'passport-jwt';
import { createRemoteJWKSet, decodeProtectedHeader } from 'jose';
import jwt from 'jsonwebtoken';
import type { Config } from '../../config/config.ts';
import { ForbiddenError, UnauthorizedError } from '../../errors/app-error.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { API_KEY_PREFIX, ApiKeyService } from '../api-keys/api-key-service.ts';
import type { UserRepository } from '../users/user-repository.ts';
import type { AuthContext } from '../../auth/auth-context.ts';
import { actorFor, requestOrigin } from '../../auth/actor.ts';
import type { UserModel } from '../../db/models/user-model.ts';
import type { SessionService } from './session-service.ts';
import type { AuthFailureSampler } from './auth-failure-sampler.ts';
import { DASHBOARD_HEADERS, isFromDashboard } from '../../http/dashboard-hop.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Deps = { config: Config; users: UserRepository; apiKeys: ApiKeyService; audit: AuditLog; sessions: SessionService; failures: AuthFailureSampler };

function bearer(req: Request): string | undefined {
  const h = req.get('authorization');
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

/** Best-effort identity of a rejected token (its subject or e-mail), for the audit trail only. */
function claimedIdentity(token: string): string | null {
  const payload = jwt.decode(token, { json: true });
  return (typeof payload?.email === 'string' && payload.email) || (typeof payload?.sub === 'string' && payload.sub) || null;
}

function toContext(user: Pick<UserModel, 'id' | 'email' | 'role'>, method: AuthContext['method'], apiKeyId?: string, sessionHash?: string): AuthContext {
  return { userId: user.id, email: user.email, role: user.role, method, apiKeyId, ...(sessionHash ? { sessionHash } : {}) };
}

/**
 * Authenticates every /api/v1 request but the public ones: an API key (`X-API-Key`, or `Bearer sp_…`)
 * or a JWT checked by passport-jwt with the algorithm pinned and `exp`, `iss`, `aud` verified —
 * HS256 with JWT_SECRET, or an external identity provider's JWKS (JWT_JWKS_URL) — a token without `exp`
 * is refused too, and so is one issued before the user's last password change; or a dashboard session
 * (`X-Dashboard-Session`), only from the dashboard's server. Credentials in the query string are never
 * read. Every failure is a 401 problem, counted in a metric and audited per source address (sampled).
 */
export function createAuthenticate({ config, users, apiKeys, sessions, failures }: Deps): RequestHandler {
  const pp = new passport.Passport();
  const jwks = config.jwt.jwksUrl ? createRemoteJWKSet(new URL(config.jwt.jwksUrl)) : undefined;
  // Keys are handed to jsonwebtoken as KeyObjects made once: given a string it tries createPublicKey on
  // it, fails and makes a secret key, on every request (or re-parses an exported PEM for JWKS keys).
  // passport-jwt's types say string | Buffer; it passes the key through to jsonwebtoken untouched.
  const providerKeys = new WeakMap<object, KeyObject>();
  const asKeyObject = (key: object): KeyObject => {
    if (key instanceof KeyObject) return key;
    let k = providerKeys.get(key);
    if (!k) providerKeys.set(key, (k = KeyObject.from(key as Parameters<typeof KeyObject.from>[0])));
    return k;
  };

  const options: StrategyOptionsWithRequest = {
    jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ignoreExpiration: false,
    passReqToCallback: true,
    ...(jwks
      ? {
          algorithms: [...config.jwt.jwksAlgorithms] as jwt.Algorithm[],
          secretOrKeyProvider: (_req: Request, raw: string | Buffer, done: (err: unknown, key?: string | Buffer) => void) => {
            const token = String(raw);
            Promise.resolve()
              .then(() => jwks(decodeProtectedHeader(token), { payload: '', signature: '' } as never))
              .then((key) => done(null, asKeyObject(key) as unknown as Buffer))
              .catch((err) => done(err));
          },
        }
      : { algorithms: ['HS256'] as jwt.Algorithm[], secretOrKey: createSecretKey(Buffer.from(config.jwt.secret)) as unknown as Buffer }),
  };

  pp.use(
    new JwtStrategy(options, (_req: Request, payload: jwt.JwtPayload, done: (err: unknown, user?: AuthContext | false, info?: unknown) => void) => {
      (async () => {
        // jsonwebtoken checks `exp` only when present: a token without one would never expire.
        if (typeof payload.exp !== 'number') return done(null, false, { message: 'token has no exp' });
        let user: UserModel | undefined;
        if (jwks) {
          // External identity provider: the user is found, or created on first sight, by its e-mail claim.
          const email = typeof payload.email === 'string' ? payload.email.toLowerCase() : undefined;
          if (!email) return done(null, false, { message: 'token has no email claim' });
          user =
            (await users.findByEmail(email)) ??
            (await users.insert({ email, password_hash: null, role: config.operatorEmails.includes(email) ? 'operator' : 'user' }));
        } else {
          if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) return done(null, false, { message: 'token subject is not a user id' });
          user = await users.findById(payload.sub);
          // A password change ends the tokens issued before it (`pwc`: the change they were issued after).
          if (user && (payload.pwc ?? 0) !== (user.password_changed_at ? new Date(user.password_changed_at).getTime() : 0))
            return done(null, false, { message: 'token predates a password change' });
        }
        if (!user) return done(null, false, { message: 'user no longer exists' });
        done(null, toContext(user, 'jwt'));
      })().catch((err) => done(err));
    }),
  );

  const fail = async (req: Request, reason: string, identity: string | null): Promise<never> => {
    await failures.record(req, reason, identity);
    throw new UnauthorizedError(
      reason === 'missing_credentials' ? 'Authentication is required: send a Bearer token or an API key.' : 'The credentials are invalid, expired or revoked.',
    );
  };

  return async (req, res, next) => {
    const sessionToken = req.get(DASHBOARD_HEADERS.session);
    if (sessionToken && isFromDashboard(req)) {
      // The session and its user in one read.
      const live = await sessions.resolve(sessionToken);
      if (!live) return fail(req, 'invalid_session', null);
      req.auth = toContext(live.user, 'session', undefined, live.idHash);
      req.actor = actorFor(req.auth, req);
      return next();
    }
    const token = bearer(req);
    const key = req.get('x-api-key') ?? (token?.startsWith(API_KEY_PREFIX) ? token : undefined);
    if (key) {
      const apiKey = await apiKeys.verify(key);
      // The owner comes with the key (one read); looked up only when a repository does not give it.
      const user = apiKey ? (apiKey.owner ?? (await users.findById(apiKey.user_id))) : undefined;
      if (!apiKey || !user) return fail(req, 'invalid_api_key', ApiKeyService.visiblePrefix(key));
      req.auth = toContext(user, 'api_key', apiKey.id);
      req.actor = actorFor(req.auth, req);
      return next();
    }
    if (!token) return fail(req, 'missing_credentials', null);
    const outcome = await new Promise<{ err?: unknown; user?: AuthContext | false; info?: unknown }>((resolve) => {
      pp.authenticate('jwt', { session: false }, (err: unknown, user: AuthContext | false, info: unknown) => resolve({ err, user, info }))(req, res, () =>
        resolve({}),
      );
    });
    if (outcome.err && !(outcome.err instanceof Error && /JWKS|key|kid/i.test(outcome.err.message))) throw outcome.err;
    if (!outcome.user) {
      const info = outcome.info as { message?: string; name?: string } | undefined;
      return fail(req, `invalid_token: ${info?.message ?? (outcome.err as Error | undefined)?.message ?? 'rejected'}`, claimedIdentity(token));
    }
    req.auth = outcome.user;
    req.actor = actorFor(req.auth, req);
    next();
  };
}

/** Lets only operators through (after authenticate); a refusal is an audited authorization failure. */
export function requireOperator(audit: AuditLog): RequestHandler {
  return async (req, _res, next) => {
    if (req.auth?.role === 'operator') return next();
    await audit.record({
      action: 'authz.denied',
      outcome: 'failure',
      actor: req.actor ?? requestOrigin(req),
      resource: `${req.method} ${req.baseUrl}${req.path}`,
      details: { need: 'operator' },
    });
    throw new ForbiddenError('This needs the operator role.');
  };
}
