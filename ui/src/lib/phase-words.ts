/** What each phase of a store means, in words a shop owner understands. */
const WORDS: Record<string, string> = {
  queued: 'Waiting for a worker',
  committing: 'Committing to Git',
  committed: 'Committed to Git, waiting for Argo CD',
  syncing: 'Syncing with Argo CD',
  progressing: 'Starting WordPress and MySQL',
  'awaiting review': 'Waiting for the change to be reviewed',
  ready: 'Ready',
  failed: 'Failed',
  deleting: 'Removing the store',
};

/** The phase in words; an unknown phase is shown as it is, capitalised. */
export function phaseWords(phase: string | null | undefined): string {
  if (!phase) return '';
  return WORDS[phase] ?? phase.charAt(0).toUpperCase() + phase.slice(1);
}
