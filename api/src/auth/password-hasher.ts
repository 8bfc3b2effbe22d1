import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const argon2Async = promisify(argon2);

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const PARAMS = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

/**
 * argon2id password hashes (node:crypto, Node 24) in the PHC string format
 * `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`, so parameters can be raised later without breaking old hashes.
 */
export class PasswordHasher {
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const tag = await argon2Async('argon2id', { message: password, nonce: salt, ...PARAMS });
    return `$argon2id$v=19$m=${PARAMS.memory},t=${PARAMS.passes},p=${PARAMS.parallelism}$${salt.toString('base64url')}$${tag.toString('base64url')}`;
  }

  async verify(password: string, phc: string): Promise<boolean> {
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(phc);
    if (!m) return false;
    const expected = Buffer.from(m[5]!, 'base64url');
    const tag = await argon2Async('argon2id', {
      message: password,
      nonce: Buffer.from(m[4]!, 'base64url'),
      memory: Number(m[1]),
      passes: Number(m[2]),
      parallelism: Number(m[3]),
      tagLength: expected.length,
    });
    return tag.length === expected.length && timingSafeEqual(tag, expected);
  }
}
