import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../config/config.ts';

/** Issues the platform's own access tokens: HS256, with `iss`, `aud`, `exp` and the user id as `sub`. */
export class TokenService {
  private readonly cfg: Config['jwt'];
  /** Made once: given the string, jsonwebtoken would make a secret key from it on every sign. */
  private readonly key: KeyObject;
  constructor(cfg: Config['jwt']) {
    this.cfg = cfg;
    this.key = createSecretKey(Buffer.from(cfg.secret));
  }

  /** `pwc` records the password change the token follows: a later change makes it invalid. */
  issue(user: { id: string; email: string; password_changed_at?: Date | null }): { accessToken: string; tokenType: 'Bearer'; expiresIn: number } {
    const pwc = user.password_changed_at ? new Date(user.password_changed_at).getTime() : 0;
    const accessToken = jwt.sign({ email: user.email, pwc }, this.key, {
      algorithm: 'HS256',
      subject: user.id,
      issuer: this.cfg.issuer,
      audience: this.cfg.audience,
      expiresIn: this.cfg.ttlSeconds,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.cfg.ttlSeconds };
  }
}
