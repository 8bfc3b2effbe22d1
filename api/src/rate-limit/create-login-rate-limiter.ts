import type { Knex } from 'knex';
import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error.ts';
import { PostgresRateLimitStore } from './postgres-rate-limit-store.ts';

const WINDOW_MS = 15 * 60_000;

/**
 * Slows password guessing: at most `failures` failed sign-ins per e-mail and source address in 15 min,
 * counted in PostgreSQL (all replicas). Successful sign-ins are not counted. A refusal is a 429 problem
 * with `Retry-After`, whatever the password.
 */
export function createLoginRateLimiter(knex: Knex, failures: number): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: failures,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'login',
    skipSuccessfulRequests: true,
    store: new PostgresRateLimitStore(knex, 'login:'),
    keyGenerator: (req) => `${String(req.body?.email ?? '').trim().toLowerCase()}|${req.ip}`,
    handler: (_req, res, next) => {
      const retryAfter = Number(res.getHeader('Retry-After') ?? WINDOW_MS / 1000);
      next(new AppError(429, 'too_many_attempts', 'Too Many Requests', `Too many failed sign-ins. Try again in ${Math.ceil(retryAfter / 60)} min.`, { headers: { 'Retry-After': String(retryAfter) } }));
    },
    validate: { trustProxy: false, xForwardedForHeader: false, keyGeneratorIpFallback: false },
  });
}
