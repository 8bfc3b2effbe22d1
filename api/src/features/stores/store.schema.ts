import { z } from 'zod';
import { STORE_PHASES, STORE_STATUSES } from './store-lifecycle.ts';
import { Suspension } from './store-suspension.schema.ts';
import { PlanName } from '../plans/plan.schema.ts';
import { plainText } from '../../http/plain-text.ts';
import { STORE_SORTS } from './store-list.ts';
import { domainProblem, NAME_MESSAGES, STORE_NAME, STORE_NAME_MAX, STORE_NAME_MIN, type RuleProblem } from './store-rules.ts';

/** A rule of store-rules.ts as a zod refinement: the field error carries the rule's code and message. */
const rule = (problem: (v: string) => RuleProblem | undefined) => (v: string, ctx: z.RefinementCtx) => {
  const p = problem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p.message, params: { code: p.code } });
};

/** The name rule of store-rules.ts, spelt as zod checks so the OpenAPI document shows its bounds and pattern. */
export const StoreName = z
  .string()
  .min(STORE_NAME_MIN, NAME_MESSAGES.short)
  .max(STORE_NAME_MAX, NAME_MESSAGES.long)
  .regex(STORE_NAME, NAME_MESSAGES.format)
  .describe('3–40 letters, digits and hyphens, starting and ending with a letter or digit');

/** A DNS hostname (RFC 1123): lower-cased, ≤ 253, labels ≤ 63, at least two labels, not an IP address. */
export const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .superRefine(rule(domainProblem))
  .describe('DNS hostname (RFC 1123), unique across all stores; defaults to <name>.<BASE_DOMAIN>');

export const CreateStoreBody = z.strictObject({
  /** The store's name, unique per owner. */
  name: StoreName,
  /** The store's public hostname. */
  domain: Domain.optional(),
  /** The store's plan (GET /plans); defaults to the operator's DEFAULT_PLAN. */
  plan: PlanName.optional(),
});
export type CreateStoreInput = z.infer<typeof CreateStoreBody>;

export const StoreIdParams = z.strictObject({
  /** Store id (UUID). */
  id: z.uuid('A store id is a UUID.').describe('Store id (UUID)'),
});

/** `status=Ready&status=Error` or `status=Ready,Error`, any case; each one of STORE_STATUSES. */
const StatusFilter = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : [v])
      .flatMap((x) => x.split(','))
      .map((x) => x.trim())
      .filter(Boolean)
      .map((x) => STORE_STATUSES.find((st) => st.toLowerCase() === x.toLowerCase()) ?? x),
  )
  .pipe(z.array(z.enum(STORE_STATUSES, { error: `A status is one of ${STORE_STATUSES.join(', ')}.` })).max(STORE_STATUSES.length * 2));

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;

export const ListStoresQuery = z.strictObject({
  /** Operators: list every user's stores (kept for older clients; `scope=all` says the same). */
  all: z.enum(['true', 'false']).optional().describe('Operators only: list the stores of every user (same as scope=all; ignored for other users)'),
  /** `mine` (default) or `all` (operators only: every user's stores, with the owner). */
  scope: z.enum(['mine', 'all']).optional().describe('`mine` (default), or `all`: every user’s stores with their owner (operators only; others get 403)'),
  /** Case-insensitive substring of the store's name or domain. */
  q: plainText('A search has no control characters.')
    .pipe(z.string().trim().max(100, 'A search is at most 100 characters.'))
    .optional()
    .describe('Case-insensitive search in the name and the domain (a substring, up to 100 characters)'),
  /** Only stores in these statuses. */
  status: StatusFilter.optional().describe(`Only these statuses: repeat the parameter or separate with commas; each one of ${STORE_STATUSES.join(', ')}`),
  /** Sort key. */
  sort: z.enum(STORE_SORTS).optional().describe('Sort by `created_at` (default), `name` or `status`; ties by creation time, then id'),
  /** Sort direction. */
  order: z.enum(['asc', 'desc']).optional().describe('`desc` by default for created_at (newest first), `asc` for name and status'),
  /** Page size. */
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).optional().describe(`Page size, 1–${LIST_LIMIT_MAX} (default ${LIST_LIMIT_DEFAULT})`),
  /** Rows to skip: limit/offset pagination (not with `cursor`). */
  offset: z.coerce.number().int().min(0).max(1_000_000).optional().describe('Stores to skip (limit/offset pagination; not together with cursor)'),
  /** Keyset pagination: `nextCursor` of the previous page, with the same filters and sort. */
  cursor: z.string().max(500).optional().describe('`nextCursor` of the previous page (same q, status, sort, order and scope)'),
});
export type ListStoresInput = z.infer<typeof ListStoresQuery>;

const Status = z.enum(STORE_STATUSES);

/** One row of the store list. */
export const StoreSummary = z.object({
  id: z.uuid(),
  name: z.string(),
  domain: z.string(),
  status: Status,
  phase: z
    .enum(STORE_PHASES)
    .describe('Finer state within the status (see store-lifecycle.ts); `degraded`: a running store whose pods are unhealthy, back to Ready by itself'),
  message: z.string().nullable().describe('Human explanation of the current state (the error reason, or the pod reasons when degraded, in Error)'),
  plan: z.string().describe('The store’s plan (GET /plans): its CPU, memory, volumes and autoscaling'),
  url: z.string().optional().describe('https://<domain>, once the store has been Ready (also while degraded or retried), not while Deleting'),
  ownerId: z.uuid(),
  suspension: Suspension.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A store in full. `url`, `adminUrl` and `credentials` appear once the store has been Ready, until it is deleted (credentials only to the owner). */
export const StoreDetail = StoreSummary.extend({
  adminUrl: z.string().optional(),
  commitSha: z.string().nullable(),
  readyAt: z.string().nullable(),
  credentials: z.object({ username: z.string(), password: z.string() }).optional(),
});

export const Quota = z.object({
  limit: z.number().int(),
  used: z
    .number()
    .int()
    .describe('What the stores use of the limit (stores, or plan units), suspended ones included (they keep their data and may be resumed at any time)'),
  suspended: z.number().int().describe('How many of the stores are suspended'),
  mode: z.enum(['stores', 'units']).describe('What the quota counts: stores, or plan units (each store counts its plan’s units; QUOTA_MODE)'),
});

/** A row of the list: with `ownerEmail` in the operators' `scope=all` view. */
export const StoreListItem = StoreSummary.extend({ ownerEmail: z.string().optional().describe('The owner’s e-mail (scope=all only)') });

export const StoreList = z.object({
  items: z.array(StoreListItem),
  quota: Quota.describe('The caller’s own quota, whatever the filter or scope'),
  total: z.number().int().describe('Stores matching the filters (all pages)'),
  limit: z.number().int().describe('The page size used'),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  next: z.string().nullable().describe('Path and query of the next page (also in the `Link` header, rel="next"); null on the last page'),
});

export const StoreEvent = z.object({
  id: z.number().int(),
  status: z.string(),
  phase: z.string(),
  reason: z.string(),
  message: z.string().nullable(),
  at: z.string(),
});
export const StoreEventList = z.object({ items: z.array(StoreEvent) });
