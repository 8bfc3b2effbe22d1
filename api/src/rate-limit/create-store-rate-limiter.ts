import type { Knex } from 'knex';
import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { RateLimitedError } from '../errors/app-error.ts';
import { PostgresRateLimitStore } from './postgres-rate-limit-store.ts';

/**
 * N accepted store creations per minute per user, counted in PostgreSQL. Mounted after validation and
 * the replay check, so invalid requests and replays never use the allowance; `skipFailedRequests` gives
 * the allowance back when the create fails later (quota, domain taken). A refusal is a 429 problem with
 * `Retry-After` (seconds) and the standard `RateLimit`/`RateLimit-Policy` headers.
 */
export function createStoreRateLimiter(knex: Knex, perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'store-create',
    skipFailedRequests: true,
    store: new PostgresRateLimitStore(knex, 'store-create:'),
    keyGenerator: (req) => `user:${req.auth!.userId}`,
    handler: (req, res, next) => {
      const retryAfter = Number(res.getHeader('Retry-After') ?? 60);
      next(new RateLimitedError(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 60));
    },
    validate: { trustProxy: false, xForwardedForHeader: false },
  });
}
