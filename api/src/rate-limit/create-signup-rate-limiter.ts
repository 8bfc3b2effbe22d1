import type { Knex } from 'knex';
import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error.ts';
import { PostgresRateLimitStore } from './postgres-rate-limit-store.ts';

const WINDOW_MS = 60 * 60_000;

/**
 * At most `perHour` sign-up attempts per source address (successful or not, so it also slows e-mail
 * enumeration through 409s), counted in PostgreSQL. A refusal is a 429 with Retry-After.
 */
export function createSignupRateLimiter(knex: Knex, perHour: number): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perHour,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'signup',
    store: new PostgresRateLimitStore(knex, 'signup:'),
    keyGenerator: (req) => `address:${req.ip}`,
    handler: (_req, res, next) => {
      const retryAfter = Number(res.getHeader('Retry-After') ?? WINDOW_MS / 1000);
      next(
        new AppError(429, 'too_many_signups', 'Too Many Requests', `Too many sign-ups from your address. Try again in ${Math.ceil(retryAfter / 60)} min.`, {
          headers: { 'Retry-After': String(retryAfter) },
        }),
      );
    },
    validate: { trustProxy: false, xForwardedForHeader: false, keyGeneratorIpFallback: false },
  });
}
