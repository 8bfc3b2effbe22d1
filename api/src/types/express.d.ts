import type { AuthContext } from '../auth/auth-context.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set by the authenticate middleware. */
      auth?: AuthContext;
    }
  }
}
export {};
