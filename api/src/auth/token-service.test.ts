import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { TokenService } from './token-service.ts';

const cfg = {
  secret: 'a-secret-of-at-least-thirty-two-characters',
  issuer: 'store-platform',
  audience: 'store-platform-api',
  ttlSeconds: 900,
  jwksAlgorithms: [],
};

describe(TokenService.name, () => {
  it('issues HS256 tokens with the secret (made into a key once) that verify with it and with nothing else', () => {
    const tokens = new TokenService(cfg);
    const id = randomUUID();
    const { accessToken } = tokens.issue({ id, email: 'a@example.com' });
    const opts = { algorithms: ['HS256' as const], issuer: cfg.issuer, audience: cfg.audience };
    expect(jwt.verify(accessToken, cfg.secret, opts)).toMatchObject({ sub: id, email: 'a@example.com', pwc: 0, iss: cfg.issuer, aud: cfg.audience });
    expect(jwt.decode(accessToken, { complete: true })!.header.alg).toBe('HS256');
    // a second token from the same service is signed with the same key
    expect(jwt.verify(tokens.issue({ id, email: 'a@example.com' }).accessToken, cfg.secret, opts)).toMatchObject({ sub: id });
    expect(() => jwt.verify(accessToken, 'another-secret-of-thirty-two-characters', opts)).toThrow(/invalid signature/);
  });
});
