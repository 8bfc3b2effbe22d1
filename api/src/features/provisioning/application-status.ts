import { isRunning, type StorePhase, type StoreStatus } from '../stores/store-lifecycle.ts';
import { mapSuspendedStore } from './suspended-store-status.ts';

/** The part of an Argo CD Application the platform reads (argoproj.io/v1alpha1, Argo CD 3.x). */
export type ArgoApplication = {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; message?: string; syncResult?: { revision?: string }; operation?: { sync?: { revision?: string } } };
    conditions?: Array<{ type: string; message?: string }>;
    reconciledAt?: string;
  };
};

/** What the platform knows of the store when it maps. */
export type StoreView = {
  status: StoreStatus;
  phase: StorePhase;
  commitSha: string | null;
  committedAt: Date | null;
  /** The store's desired state moved ahead of its last commit (a change the committer has not rendered yet). */
  aheadOfGit?: boolean;
};

export type MappedStatus = { status: StoreStatus; phase: StorePhase; message: string | null; reason: string };

export type MapOptions = {
  now: Date;
  /** A store not Ready this long after its commit is an Error. */
  readyTimeoutMs: number;
  /** True when `revision` contains the store's commit (equal to it, or a descendant). */
  includesCommit: (revision: string | undefined) => boolean;
  /**
   * Problems of the store's pods (e.g. `wordpress-abc: CrashLoopBackOff`), read when the Application is
   * Degraded, or not Healthy while the store runs.
   */
  podDetails?: string;
};

/** Argo CD condition types that stop a sync (argo-cd pkg/apis/application/v1alpha1 ApplicationConditionType). */
const ERROR_CONDITIONS = new Set(['InvalidSpecError', 'SyncError', 'ComparisonError', 'UnknownError']);

/**
 * Maps a store's Application to the store's status. Pure. Rules, in order:
 * - no commit yet → unchanged (the provision job owns queued/committing);
 * - an error condition (InvalidSpecError, SyncError, ComparisonError…) → Error with Argo CD's message;
 * - the last sync operation of our revision Failed/Error → Error with its message (Argo CD does not
 *   retry an automated sync of the same revision: a retry needs a new commit);
 * - Synced + Healthy at a revision that includes our commit → Ready;
 * - Degraded → Error, with pod details when known;
 * - otherwise Pending (syncing / progressing), or Error once the ready timeout has passed.
 * A running store (Ready, or Error/degraded: it has been Ready at this commit) is never Pending again:
 * - Degraded, or any pod problem while not Healthy → Error, phase `degraded`, with the pod reasons;
 * - Synced + Healthy → Ready again, by itself;
 * - anything else (a self-heal sync, a pod restarting without a reason yet) → unchanged.
 * (One status axis, not two: the dashboard, the API and the metrics all read `status`, and a broken
 * shop is an error to its owner whatever the cause; `phase` says which kind.)
 */
export function mapApplicationStatus(store: StoreView, app: ArgoApplication | undefined, o: MapOptions): MappedStatus | undefined {
  if (store.status === 'Deleting') return undefined;
  if (!store.commitSha) return undefined;
  if (store.phase === 'resizing') return mapResizingStore(store, app, o);
  if (isRunning(store)) return mapRunningStore(app, o);
  if (store.status === 'Suspended') return mapSuspendedStore(store, app, o);
  const timedOut = store.committedAt !== null && o.now.getTime() - store.committedAt.getTime() > o.readyTimeoutMs;
  const timeoutMessage = (what: string) => `Not ready ${Math.round(o.readyTimeoutMs / 60000)} min after the commit: ${what}.`;

  if (!app) {
    if (timedOut) return { status: 'Error', phase: 'failed', reason: 'Timeout', message: timeoutMessage('Argo CD has not created the Application') };
    return { status: 'Pending', phase: 'syncing', reason: 'AwaitingApplication', message: 'Committed to Git; waiting for Argo CD to pick it up.' };
  }
  const st = app.status ?? {};
  const revision = st.sync?.revision;
  const ours = o.includesCommit(revision);

  const errorCondition = (st.conditions ?? []).find((c) => ERROR_CONDITIONS.has(c.type));
  if (errorCondition) return { status: 'Error', phase: 'failed', reason: errorCondition.type, message: errorCondition.message ?? errorCondition.type };

  const op = st.operationState;
  const opRevision = op?.syncResult?.revision ?? op?.operation?.sync?.revision;
  if ((op?.phase === 'Failed' || op?.phase === 'Error') && o.includesCommit(opRevision)) {
    return { status: 'Error', phase: 'failed', reason: 'SyncFailed', message: `Sync failed: ${op.message ?? 'no message'}` };
  }

  const health = st.health?.status;
  const synced = st.sync?.status === 'Synced';
  if (synced && health === 'Healthy' && ours) return { status: 'Ready', phase: 'ready', reason: 'Healthy', message: null };
  if (health === 'Degraded' && ours) {
    const detail = [st.health?.message, o.podDetails].filter(Boolean).join('; ');
    return { status: 'Error', phase: 'failed', reason: 'Degraded', message: `The store is degraded${detail ? `: ${detail}` : '.'}` };
  }
  if (timedOut)
    return {
      status: 'Error',
      phase: 'failed',
      reason: 'Timeout',
      message: timeoutMessage(`Argo CD reports ${st.sync?.status ?? 'Unknown'}/${health ?? 'Unknown'}`),
    };
  if (synced && ours && health === 'Progressing')
    return { status: 'Pending', phase: 'progressing', reason: 'Progressing', message: 'Starting WordPress and MySQL.' };
  return { status: 'Pending', phase: 'syncing', reason: 'Syncing', message: 'Argo CD is syncing the store.' };
}

/**
 * A running store whose plan changed (Ready/resizing): it stays resizing until its new commit is
 * Synced + Healthy, then Ready/ready. A failed sync of the new commit (the API server refused the new
 * shape) is an Error with Argo CD's message; a Degraded one is degraded as any running store, but pods
 * restarting while the rollout progresses are expected and change nothing.
 */
function mapResizingStore(store: StoreView, app: ArgoApplication | undefined, o: MapOptions): MappedStatus | undefined {
  if (store.aheadOfGit) return undefined;
  const op = app?.status?.operationState;
  if ((op?.phase === 'Failed' || op?.phase === 'Error') && o.includesCommit(op?.syncResult?.revision ?? op?.operation?.sync?.revision))
    return { status: 'Error', phase: 'failed', reason: 'ResizeFailed', message: `The new plan could not be applied: ${op.message ?? 'no message'}` };
  // A rollout to the new shape restarts pods (MySQL is Recreate): only Argo CD's Degraded is a fault here.
  if (app?.status?.health?.status !== 'Degraded' && app?.status?.health?.status !== 'Healthy') return undefined;
  const mapped = mapRunningStore(app, o);
  return mapped?.status === 'Ready' ? { ...mapped, reason: 'Resized' } : mapped;
}

/** The mapping of a store that runs: Ready ⇄ Error/degraded, never back to Pending. */
function mapRunningStore(app: ArgoApplication | undefined, o: MapOptions): MappedStatus | undefined {
  const st = app?.status ?? {};
  const health = st.health?.status;
  if (st.sync?.status === 'Synced' && health === 'Healthy' && o.includesCommit(st.sync?.revision))
    return { status: 'Ready', phase: 'ready', reason: 'Healthy', message: null };
  if (health === 'Degraded' || (health !== 'Healthy' && o.podDetails)) {
    const detail = [health === 'Degraded' ? st.health?.message : undefined, o.podDetails].filter(Boolean).join('; ');
    return { status: 'Error', phase: 'degraded', reason: 'Degraded', message: `The store is not healthy${detail ? `: ${detail}` : '.'}` };
  }
  return undefined;
}
