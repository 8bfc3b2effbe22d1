import type { StorePhase } from './types.ts';

/**
 * What each phase of a store means, in words a shop owner understands. A `Record` over the API's
 * `StorePhase` (api/src/features/stores/store-lifecycle.ts): a phase without words fails svelte-check,
 * and ui/test/polling-rules.test.ts compares the keys with STORE_PHASES.
 */
export const PHASE_WORDS: Record<StorePhase, string> = {
  queued: 'Waiting for a worker',
  committing: 'Committing to Git',
  committed: 'Committed to Git, waiting for Argo CD',
  'awaiting review': 'Waiting for the change to be reviewed',
  syncing: 'Syncing with Argo CD',
  progressing: 'Starting WordPress and MySQL',
  ready: 'Ready',
  resizing: 'Changing plan (the store keeps serving)',
  failed: 'Failed',
  degraded: 'Not healthy',
  suspending: 'Pausing the store',
  suspended: 'Paused',
  resuming: 'Starting the store again',
  deleting: 'Removing the store',
  pruning: 'Waiting for the cluster to remove it',
  'delete failed': 'Removing the store failed',
};

/** The phase in words; an unknown phase is shown as it is, capitalised. */
export function phaseWords(phase: string | null | undefined): string {
  if (!phase) return '';
  return (PHASE_WORDS as Record<string, string>)[phase] ?? phase.charAt(0).toUpperCase() + phase.slice(1);
}
