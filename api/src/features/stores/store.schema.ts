import { z } from 'zod';
import { STORE_PHASES, STORE_STATUSES } from './store-lifecycle.ts';

/** RFC 1123 hostname label: letters, digits, hyphens; not starting or ending with a hyphen; ≤ 63. */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Store name rule, shared with the dashboard's checks. */
export const STORE_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

export const StoreName = z
  .string()
  .min(3, 'A store name has at least 3 characters.')
  .max(40, 'A store name has at most 40 characters.')
  .regex(STORE_NAME, 'Use letters, digits and hyphens, starting and ending with a letter or digit.')
  .describe('3–40 letters, digits and hyphens, starting and ending with a letter or digit');

/** A DNS hostname (RFC 1123): lower-cased, ≤ 253, labels ≤ 63, at least two labels, not an IP address. */
export const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .superRefine((d, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message, params: { code: 'invalid_domain' } });
    if (d.length === 0 || d.length > 253) return fail('A domain has 1 to 253 characters.');
    const labels = d.split('.');
    if (labels.length < 2) return fail('A domain has at least two labels, e.g. shop.example.com.');
    if (labels.some((l) => l.length > 63)) return fail('Each part of a domain has at most 63 characters.');
    if (!labels.every((l) => LABEL.test(l))) return fail('A domain has letters, digits and hyphens in dot-separated parts; no part starts or ends with a hyphen.');
    if (/^\d+$/.test(labels[labels.length - 1]!)) return fail('An IP address is not a domain.');
  })
  .describe('DNS hostname (RFC 1123), unique across all stores; defaults to <name>.<BASE_DOMAIN>');

export const CreateStoreBody = z.strictObject({
  /** The store's name, unique per owner. */
  name: StoreName,
  /** The store's public hostname. */
  domain: Domain.optional(),
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
  phase: z.enum(STORE_PHASES).describe('Finer state within the status (see store-lifecycle.ts); `degraded`: a running store whose pods are unhealthy, back to Ready by itself'),
  message: z.string().nullable().describe('Human explanation of the current state (the error reason, or the pod reasons when degraded, in Error)'),
  url: z.string().optional().describe('https://<domain>, once the store has been Ready (also while degraded or retried), not while Deleting'),
  ownerId: z.uuid(),
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

export const Quota = z.object({ limit: z.number().int(), used: z.number().int() });

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
