import type { Request } from 'express';
import type { AuthContext } from './auth-context.ts';

/**
 * Who does something, as services see it: built once per request by `authenticate` (Immich's AuthDto,
 * Unleash's extractAuditInfo). Services take this, never the Express request.
 */
export type Actor = {
  userId: string;
  role: 'user' | 'operator';
  email: string;
  /** Source address (after the trusted proxies), for the audit trail. */
  ip: string | null;
  requestId: string | null;
};

/** Where an anonymous request came from (sign-up, sign-in, a refused credential). */
export type RequestOrigin = { ip: string | null; requestId: string | null };

/** The origin of a request, for services that act before anyone is authenticated. */
export function requestOrigin(req: Request): RequestOrigin {
  return { ip: req.ip ?? null, requestId: req.id === undefined ? null : String(req.id) || null };
}

/** The actor of an authenticated request. */
export function actorFor(auth: AuthContext, req: Request): Actor {
  return { userId: auth.userId, role: auth.role, email: auth.email, ...requestOrigin(req) };
}

/** The request's actor (set by authenticate); a route mounted without authenticate is a programming error. */
export function actorOf(req: Request): Actor {
  if (!req.actor) throw new Error('no actor on this request: the route is not behind authenticate');
  return req.actor;
}
