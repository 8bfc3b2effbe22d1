import jwt from 'jsonwebtoken';
import type { Config } from '../config/config.ts';

/** Issues the platform's own access tokens: HS256, with `iss`, `aud`, `exp` and the user id as `sub`. */
export class TokenService {
  private readonly cfg: Config['jwt'];
  constructor(cfg: Config['jwt']) {
    this.cfg = cfg;
  }

  issue(user: { id: string; email: string }): { accessToken: string; tokenType: 'Bearer'; expiresIn: number } {
    const accessToken = jwt.sign({ email: user.email }, this.cfg.secret, {
      algorithm: 'HS256',
      subject: user.id,
      issuer: this.cfg.issuer,
      audience: this.cfg.audience,
      expiresIn: this.cfg.ttlSeconds,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.cfg.ttlSeconds };
  }
}
