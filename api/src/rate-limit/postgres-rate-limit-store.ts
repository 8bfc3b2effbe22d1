import type { Knex } from 'knex';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

/**
 * express-rate-limit store in PostgreSQL: one atomic UPSERT per hit, so every API replica shares the
 * same counters (no per-process memory). A window starts at the first hit and lasts `windowMs`.
 */
export class PostgresRateLimitStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  private readonly knex: Knex;
  private windowMs = 60_000;

  /** `windowMs` for use outside express-rate-limit (which sets it through `init`). */
  constructor(knex: Knex, prefix: string, windowMs?: number) {
    this.knex = knex;
    this.prefix = prefix;
    if (windowMs !== undefined) this.windowMs = windowMs;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private key(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.knex('rate_limits').select('hits', 'reset_at').where('key', this.key(key)).andWhere('reset_at', '>', this.knex.fn.now()).first();
    return row ? { totalHits: row.hits, resetTime: row.reset_at } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { rows } = await this.knex.raw(
      `INSERT INTO rate_limits AS r (key, hits, reset_at) VALUES (?, 1, now() + make_interval(secs => ?))
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.reset_at <= now() THEN 1 ELSE r.hits + 1 END,
         reset_at = CASE WHEN r.reset_at <= now() THEN now() + make_interval(secs => ?) ELSE r.reset_at END
       RETURNING hits, reset_at`,
      [this.key(key), this.windowMs / 1000, this.windowMs / 1000],
    );
    return { totalHits: rows[0].hits, resetTime: rows[0].reset_at };
  }

  async decrement(key: string): Promise<void> {
    await this.knex('rate_limits').where('key', this.key(key)).andWhere('hits', '>', 0).decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.knex('rate_limits').where('key', this.key(key)).delete();
  }

  /** Whole seconds (at least 1) until a counter's window ends: the value of `Retry-After`. */
  secondsUntilReset(info: ClientRateLimitInfo): number {
    return Math.max(1, Math.ceil(((info.resetTime?.getTime() ?? Date.now() + this.windowMs) - Date.now()) / 1000));
  }

  /** Drops expired windows (called now and then; counters are correct without it). */
  async prune(): Promise<void> {
    await this.knex('rate_limits').where('reset_at', '<', this.knex.raw("now() - interval '1 hour'")).delete();
  }
}
