/**
 * The store lifecycle, in one place: every status and phase a store can be in, and which moves are
 * allowed. Services, the status mapping, the presenters and the dashboard's words import from here, so a
 * phase added on one side and not on the other fails `tsc` (the dashboard's words are a
 * `Record<StorePhase, string>`) or a test (ui/test/polling-rules.test.ts walks STORE_PHASES).
 *
 *   Pending (queued → committing → committed | awaiting review → syncing → progressing)
 *     → Ready (ready)  ⇄  Error (degraded)        a running store that breaks, and heals by itself
 *       Ready (ready → resizing → ready)          a plan change: the store keeps serving meanwhile
 *     → Error (failed)  → Pending (queued)        a retry: a new attempt, a new commit
 *   Ready | Error (degraded) → Suspended (suspending → suspended)    the owner hibernates it, or an operator
 *     suspends it (billing, abuse); committed like any change (generation), suspended once Argo CD reports
 *     the scaled-to-zero store Synced + Healthy at that commit; Suspended (degraded) when it is not healthy
 *     while paused (reported, kept paused: the desired state is still "paused")
 *   Suspended → Suspended (resuming) → Ready     a resume, Ready again once Synced + Healthy
 *   any → Deleting (deleting → pruning | delete failed) → removed
 *
 * A store that has been Ready once keeps its URL and the owner's credentials while it runs (Ready or
 * degraded) and while it is retried: its namespace, data and secrets are still there.
 */
export const STORE_STATUSES = ['Pending', 'Ready', 'Error', 'Suspended', 'Deleting'] as const;
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
  'resizing',
  // Error
  'failed',
  'degraded',
  // Suspended (and 'degraded': a paused store Argo CD reports unhealthy)
  'suspending',
  'suspended',
  'resuming',
  // Deleting
  'deleting',
  'pruning',
  'delete failed',
] as const;
export type StorePhase = (typeof STORE_PHASES)[number];

/** Which phases belong to which status. */
export const PHASES_OF: Record<StoreStatus, readonly StorePhase[]> = {
  Pending: ['queued', 'committing', 'committed', 'awaiting review', 'syncing', 'progressing'],
  Ready: ['ready', 'resizing'],
  Error: ['failed', 'degraded'],
  Suspended: ['suspending', 'suspended', 'resuming', 'degraded'],
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
 * The provision job (the committer) renders Pending stores, and running or suspended stores whose desired
 * state changed since their last commit (a plan change, a suspend, a resume). Ready is never provisioned
 * again for nothing, an Error waits for a retry, Deleting is the delete job's.
 */
export const canProvision = (s: StoreState & StoreGenerations): boolean =>
  s.status === 'Pending' || ((isRunning(s) || s.status === 'Suspended') && isAheadOfGit(s));

/**
 * Only a store in Error is retried (failed or degraded): the retry is a new attempt, hence a new commit.
 * A suspended store is resumed, not retried.
 */
export const canRetry = (s: StoreState): boolean => s.status === 'Error';

/**
 * A delete may be asked at any time (a suspended store too: its data goes with it); a repeat while
 * deleting changes nothing, unless the teardown gave up.
 */
export const canRequestDelete = (s: StoreState): boolean => s.status !== 'Deleting' || s.phase === 'delete failed';

/** The delete job removes the store from Git once; after that the status cycle waits for the cluster. */
export const canRemoveFromGit = (s: StoreState): boolean => s.status === 'Deleting' && s.phase !== 'pruning';

/** Custom domains are added, verified, removed and made primary until the store is being deleted. */
export const canChangeDomains = (s: StoreState): boolean => s.status !== 'Deleting';

/** A job that gave up marks the store failed — never a Ready or Deleting one. */
export const canFail = (s: StoreState): boolean => s.status === 'Pending' || s.status === 'Error';

/** The store runs (it has been Ready at its current commit): health changes move it Ready ⇄ Error/degraded. */
export const isRunning = (s: StoreState): boolean => s.status === 'Ready' || (s.status === 'Error' && s.phase === 'degraded');

/**
 * A plan change is accepted only while nothing else is in flight: the store runs, is settled (Ready/ready)
 * and Git holds its latest desired state.
 */
export const canChangePlan = (s: StoreState & StoreGenerations): boolean => s.status === 'Ready' && s.phase === 'ready' && !isAheadOfGit(s);

/** Still changing by itself without anyone acting: the dashboard polls these fast. */
export const isTransient = (s: { status: StoreStatus; phase?: StorePhase }): boolean =>
  s.status === 'Pending' ||
  s.status === 'Deleting' ||
  s.phase === 'resizing' ||
  (s.status === 'Suspended' && (s.phase === 'suspending' || s.phase === 'resuming'));

/** Who holds a suspension: the owner (a hibernation, which the owner lifts) or an operator (billing, abuse). */
export const SUSPENDER_KINDS = ['owner', 'operator'] as const;
export type SuspenderKind = (typeof SUSPENDER_KINDS)[number];

/**
 * A running store (Ready, or Error/degraded) may be suspended by its owner or an operator; an operator
 * may also take over an owner's hibernation (it becomes an operator suspension the owner cannot lift).
 * Pending, failed, Deleting and resuming stores are not: their change is still in flight.
 */
export const canSuspend = (s: StoreState & { suspendedByKind: SuspenderKind | null }, by: SuspenderKind): boolean =>
  isRunning(s) || (by === 'operator' && s.status === 'Suspended' && s.phase !== 'resuming' && s.suspendedByKind === 'owner');

/** A suspended (or still suspending) store may be resumed; who may lift it is the service's rule. */
export const canResume = (s: StoreState): boolean => s.status === 'Suspended' && s.phase !== 'resuming';

/**
 * The URL, admin URL and (to the owner) the credentials are shown for a Ready store, and for one that
 * has been Ready once (degraded, retried, suspended: its URL answers the holding page) while it is not
 * being deleted.
 */
export const showsAccess = (s: { status: StoreStatus; readyAt: Date | string | null }): boolean =>
  s.status === 'Ready' || (s.readyAt !== null && s.status !== 'Deleting');
