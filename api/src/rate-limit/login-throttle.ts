import type { Knex } from 'knex';
import { AppError, UnauthorizedError } from '../errors/app-error.ts';
import { PostgresRateLimitStore } from './postgres-rate-limit-store.ts';

const WINDOW_MS = 15 * 60_000;
/** An address a user signed in from stays "known" for the account this long. */
const KNOWN_MS = 30 * 24 * 3_600_000;

export type LoginLimits = { perPair: number; perAddress: number; perAccount: number };

/**
 * Failed sign-ins, counted in PostgreSQL (every replica) in 15-minute windows, three ways:
 *
 * - per e-mail and address (`perPair`, default 10): one client guessing one password;
 * - per address across e-mails (`perAddress`, 30): one client spraying a password over many accounts;
 * - per account across addresses (`perAccount`, 20): many clients guessing one account's password.
 *
 * A refusal is a 429 with Retry-After, whatever the password. The per-account limit is the one an
 * attacker could turn against the owner (OWASP Authentication Cheat Sheet: lockout "can be abused to lock
 * users out"), so it binds only addresses the account has never signed in from: from an address that
 * signed in successfully in the last 30 days, the owner still gets in, and that success resets the
 * account's count. The other two limits bind the attacker's own addresses only. Only e-mails that passed
 * validation are ever written (the key is the normalised e-mail), and successful sign-ins are not counted.
 */
export class LoginThrottle {
  private readonly limits: LoginLimits;
  private readonly pairs: PostgresRateLimitStore;
  private readonly addresses: PostgresRateLimitStore;
  private readonly accounts: PostgresRateLimitStore;
  private readonly known: PostgresRateLimitStore;
  private calls = 0;

  constructor(knex: Knex, limits: LoginLimits) {
    this.limits = limits;
    this.pairs = new PostgresRateLimitStore(knex, 'login:', WINDOW_MS);
    this.addresses = new PostgresRateLimitStore(knex, 'login-address:', WINDOW_MS);
    this.accounts = new PostgresRateLimitStore(knex, 'login-account:', WINDOW_MS);
    this.known = new PostgresRateLimitStore(knex, 'login-known:', KNOWN_MS);
  }

  /** Runs `attempt` (the password check) unless a limit is reached; counts its 401 as a failure. */
  async guard<T>(email: string, ip: string | undefined, attempt: () => Promise<T>): Promise<T> {
    const address = ip ?? 'unknown';
    // Now and then, expired windows (of every limiter: one table) are dropped; counts are right without it.
    if (++this.calls % 500 === 0) void this.pairs.prune().catch(() => undefined);
    const pairKey = `${email}|${address}`;
    const [pair, addr, account, known] = await Promise.all([
      this.pairs.get(pairKey),
      this.addresses.get(address),
      this.accounts.get(email),
      this.known.get(pairKey),
    ]);
    const over = (info: typeof pair, limit: number) => (info && info.totalHits >= limit ? info : undefined);
    const blocked = over(pair, this.limits.perPair) ?? over(addr, this.limits.perAddress) ?? (known ? undefined : over(account, this.limits.perAccount));
    if (blocked) {
      const retryAfter = this.pairs.secondsUntilReset(blocked);
      throw new AppError(429, 'too_many_attempts', 'Too Many Requests', `Too many failed sign-ins. Try again in ${Math.ceil(retryAfter / 60)} min.`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    try {
      const result = await attempt();
      await Promise.all([this.pairs.resetKey(pairKey), this.accounts.resetKey(email), this.known.increment(pairKey)]);
      return result;
    } catch (err) {
      if (err instanceof UnauthorizedError)
        await Promise.all([this.pairs.increment(pairKey), this.addresses.increment(address), this.accounts.increment(email)]);
      throw err;
    }
  }
}
