import { z } from 'zod';
import { SUSPENDER_KINDS } from './store-lifecycle.ts';

/** Longest suspension reason kept (the column's check constraint says the same). */
export const SUSPENSION_REASON_MAX = 500;

export const SuspendStoreBody = z.strictObject({
  /** Why: optional for the owner (a hibernation), required for an operator (billing, abuse); shown to the owner. */
  reason: z
    .string()
    .trim()
    .max(SUSPENSION_REASON_MAX, `Keep the reason under ${SUSPENSION_REASON_MAX} characters.`)
    .optional()
    .describe('Why the store is suspended; required for an operator suspension (billing, abuse), shown to the owner'),
});
export type SuspendStoreInput = z.infer<typeof SuspendStoreBody>;

/** Who holds a store's suspension, why and since when (present while the store is suspended). */
export const Suspension = z
  .object({
    kind: z.enum(SUSPENDER_KINDS).describe('`owner`: a hibernation its owner resumes; `operator`: a suspension (billing, abuse) only an operator lifts'),
    by: z.uuid().nullable().describe('User id of who suspended it (null if that user has been deleted)'),
    reason: z.string().nullable(),
    at: z.string().describe('When it was suspended (ISO 8601)'),
    ownerCanResume: z.boolean().describe('False for an operator suspension'),
  })
  .describe('Present while the store is suspended (status Suspended, not resuming)');
