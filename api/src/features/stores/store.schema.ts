import { z } from 'zod';
import { STORE_PHASES, STORE_STATUSES } from './store-lifecycle.ts';
import { Suspension } from './store-suspension.schema.ts';
import { PlanName } from '../plans/plan.schema.ts';
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

export const ListStoresQuery = z.strictObject({
  /** Operators: list every user's stores. */
  all: z.enum(['true', 'false']).optional().describe('Operators only: list the stores of every user'),
});

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
  used: z.number().int().describe('What the stores use of the limit (stores, or plan units), suspended ones included (they keep their data and may be resumed at any time)'),
  suspended: z.number().int().describe('How many of the stores are suspended'),
  mode: z.enum(['stores', 'units']).describe('What the quota counts: stores, or plan units (each store counts its plan’s units; QUOTA_MODE)'),
});

export const StoreList = z.object({ items: z.array(StoreSummary), quota: Quota });

export const StoreEvent = z.object({
  id: z.number().int(),
  status: z.string(),
  phase: z.string(),
  reason: z.string(),
  message: z.string().nullable(),
  at: z.string(),
});
export const StoreEventList = z.object({ items: z.array(StoreEvent) });
