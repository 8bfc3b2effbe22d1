import type { Knex } from 'knex';
import { PostgresRateLimitStore } from './postgres-rate-limit-store.ts';

/** One decision of the store-create allowance (RFC draft-ietf-httpapi-ratelimit-headers fields). */
export type RateLimitDecision = { allowed: boolean; limit: number; remaining: number; windowS: number; resetInS: number };

/**
 * N accepted store creations per minute per user. A dependency of StoreService, taken after validation
 * and the replay check (so neither uses the allowance) and given back when the create fails later.
 */
export interface CreateRateLimit {
  take(userId: string): Promise<RateLimitDecision>;
  giveBack(userId: string): Promise<void>;
}

/** `RateLimit` / `RateLimit-Policy` (draft 8) and, when refused, `Retry-After`. */
export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Policy': `"store-create";q=${d.limit};w=${d.windowS}`,
    RateLimit: `"store-create";r=${d.remaining};t=${d.resetInS}`,
    ...(d.allowed ? {} : { 'Retry-After': String(d.resetInS) }),
  };
}

/** The allowance counted in PostgreSQL: every replica shares one counter per user. */
export class PostgresCreateRateLimit implements CreateRateLimit {
  private readonly store: PostgresRateLimitStore;
  private readonly perMinute: number;

  constructor(knex: Knex, perMinute: number) {
    this.store = new PostgresRateLimitStore(knex, 'store-create:', 60_000);
    this.perMinute = perMinute;
  }

  async take(userId: string): Promise<RateLimitDecision> {
    const hit = await this.store.increment(`user:${userId}`);
    const { totalHits } = hit;
    const resetInS = this.store.secondsUntilReset(hit);
    const allowed = totalHits <= this.perMinute;
    // A refused attempt does not count: only accepted creations use the allowance.
    if (!allowed) await this.store.decrement(`user:${userId}`);
    return { allowed, limit: this.perMinute, remaining: Math.max(0, this.perMinute - totalHits), windowS: 60, resetInS };
  }

  async giveBack(userId: string): Promise<void> {
    await this.store.decrement(`user:${userId}`);
  }
}
