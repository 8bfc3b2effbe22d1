import type { TxtLookup } from './txt-resolver.ts';

/** The label under which an owner publishes the proof: `_store-platform-challenge.<domain>`. */
export const CHALLENGE_LABEL = '_store-platform-challenge';

/** The TXT record's name for a domain. */
export const challengeName = (domain: string): string => `${CHALLENGE_LABEL}.${domain}`;

/** Back-off between checks of a pending claim: `first`, doubling after each check, at most `max`. */
export function nextCheckDelayMs(checksDone: number, s: { checkIntervalMs: number; maxCheckIntervalMs: number }): number {
  // 2^30 already exceeds any cap; stop the exponent there so the number stays finite.
  return Math.min(s.checkIntervalMs * 2 ** Math.min(Math.max(checksDone - 1, 0), 30), s.maxCheckIntervalMs);
}

/** What one check found: the exact token among the records (verified), or why not, in words. */
export type CheckOutcome = { verified: boolean; result: string };

/** The record must contain the exact token (surrounding white space aside); other TXT records may sit beside it. */
export function evaluateLookup(name: string, token: string, lookup: TxtLookup): CheckOutcome {
  if (lookup.kind === 'error') return { verified: false, result: `${lookup.message} for ${name}.` };
  if (lookup.kind === 'none') return { verified: false, result: `No TXT record at ${name} yet.` };
  if (lookup.records.some((r) => r.trim() === token)) return { verified: true, result: `TXT record at ${name} matches.` };
  const n = lookup.records.length;
  return { verified: false, result: `${n} TXT record${n === 1 ? '' : 's'} at ${name}, none with this claim's token.` };
}
