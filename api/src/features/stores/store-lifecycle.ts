/**
 * The store lifecycle, in one place: every status and phase a store can be in, and which moves are
 * allowed. Services, the status mapping, the presenters and the dashboard's words import from here, so a
 * phase added on one side and not on the other fails `tsc` (the dashboard's words are a
 * `Record<StorePhase, string>`) or a test (ui/test/polling-rules.test.ts walks STORE_PHASES).
 *
 *   Pending (queued → committing → committed | awaiting review → syncing → progressing)
 *     → Ready (ready)  ⇄  Error (degraded)        a running store that breaks, and heals by itself
 *     → Error (failed)  → Pending (queued)        a retry: a new attempt, a new commit
 *   any → Deleting (deleting → pruning | delete failed) → removed
 *
 * A store that has been Ready once keeps its URL and the owner's credentials while it runs (Ready or
 * degraded) and while it is retried: its namespace, data and secrets are still there.
 */
export const STORE_STATUSES = ['Pending', 'Ready', 'Error', 'Deleting'] as const;
export type StoreStatus = (typeof STORE_STATUSES)[number];

/** Finer state within a status, in the order a store normally meets them. */
export const STORE_PHASES = [
  // Pending
  'queued',
  'committing',
  'committed',
  'awaiting review',
  'syncing',
  'progressing',
  // Ready
  'ready',
  // Error
  'failed',
  'degraded',
  // Deleting
  'deleting',
  'pruning',
  'delete failed',
] as const;
export type StorePhase = (typeof STORE_PHASES)[number];

/** Which phases belong to which status. */
export const PHASES_OF: Record<StoreStatus, readonly StorePhase[]> = {
  Pending: ['queued', 'committing', 'committed', 'awaiting review', 'syncing', 'progressing'],
  Ready: ['ready'],
  Error: ['failed', 'degraded'],
  Deleting: ['deleting', 'pruning', 'delete failed'],
};

export type StoreState = { status: StoreStatus; phase: StorePhase };

/** True for a status/phase pair the lifecycle knows. */
export function isKnownState(s: { status: string; phase: string }): s is StoreState {
  return (STORE_STATUSES as readonly string[]).includes(s.status) && (PHASES_OF[s.status as StoreStatus] as readonly string[]).includes(s.phase);
}

/** A store's desired state and what was last committed of it (see the store_generation migration). */
export type StoreGenerations = { generation: number; committed_generation: number };

/** The store's desired state is ahead of its last commit. */
export const isAheadOfGit = (s: StoreGenerations): boolean => s.generation > s.committed_generation;

/**
 * The provision job (the committer) renders Pending stores, and running stores whose desired state
 * changed since their last commit (a plan change, say). Ready is never provisioned again for nothing,
 * an Error waits for a retry, Deleting is the delete job's.
 */
export const canProvision = (s: StoreState & StoreGenerations): boolean => s.status === 'Pending' || (isRunning(s) && isAheadOfGit(s));

/** Only a store in Error is retried (failed or degraded): the retry is a new attempt, hence a new commit. */
export const canRetry = (s: StoreState): boolean => s.status === 'Error';

/** A delete may be asked at any time; a repeat while deleting changes nothing, unless the teardown gave up. */
export const canRequestDelete = (s: StoreState): boolean => s.status !== 'Deleting' || s.phase === 'delete failed';

/** The delete job removes the store from Git once; after that the status cycle waits for the cluster. */
export const canRemoveFromGit = (s: StoreState): boolean => s.status === 'Deleting' && s.phase !== 'pruning';

/** A job that gave up marks the store failed — never a Ready or Deleting one. */
export const canFail = (s: StoreState): boolean => s.status === 'Pending' || s.status === 'Error';

/** The store runs (it has been Ready at its current commit): health changes move it Ready ⇄ Error/degraded. */
export const isRunning = (s: StoreState): boolean => s.status === 'Ready' || (s.status === 'Error' && s.phase === 'degraded');

/** Still changing by itself without anyone acting: the dashboard polls these fast. */
export const isTransient = (s: { status: StoreStatus }): boolean => s.status === 'Pending' || s.status === 'Deleting';

/**
 * The URL, admin URL and (to the owner) the credentials are shown for a Ready store, and for one that
 * has been Ready once (degraded, retried) while it is not being deleted.
 */
export const showsAccess = (s: { status: StoreStatus; readyAt: Date | string | null }): boolean =>
  s.status === 'Ready' || (s.readyAt !== null && s.status !== 'Deleting');
