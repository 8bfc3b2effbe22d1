import type { Actor } from '../auth/actor.ts';
import type { AuthContext } from '../auth/auth-context.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set by the authenticate middleware. */
      auth?: AuthContext;
      /** Set by the authenticate middleware with `auth`: what services are given. */
      actor?: Actor;
    }
  }
}
export {};
