import type { ArgoApplication, MapOptions, MappedStatus, StoreView } from './application-status.ts';

/** Argo CD condition types that stop a sync (as in application-status.ts). */
const ERROR_CONDITIONS = new Set(['InvalidSpecError', 'SyncError', 'ComparisonError', 'UnknownError']);

/**
 * The mapping of a Suspended store (pure). Nothing is concluded while the store's latest change is not
 * committed yet (`aheadOfGit`): the Application still shows the previous desired state.
 * - suspending / suspended / degraded: Synced + Healthy at a revision containing the commit → suspended
 *   (a Deployment at zero replicas is Healthy to Argo CD: gitops-engine health_deployment.go); Degraded,
 *   an error condition or a failed sync of our commit → Suspended/degraded with Argo CD's words and the
 *   pod reasons (reported, and kept paused: the desired state is still "paused"); otherwise unchanged.
 * - resuming: Synced + Healthy at a revision containing the commit → Ready; Degraded → Error/degraded
 *   (it runs again, and heals by itself like any running store); an error condition or a failed sync of
 *   our commit → Error/failed (a retry makes a new commit); past the ready timeout → Error/failed.
 */
export function mapSuspendedStore(store: StoreView, app: ArgoApplication | undefined, o: MapOptions): MappedStatus | undefined {
  if (store.aheadOfGit) return undefined;
  const st = app?.status ?? {};
  const health = st.health?.status;
  const healthyAtCommit = st.sync?.status === 'Synced' && health === 'Healthy' && o.includesCommit(st.sync?.revision);
  const condition = (st.conditions ?? []).find((c) => ERROR_CONDITIONS.has(c.type));
  const op = st.operationState;
  const failedSync = (op?.phase === 'Failed' || op?.phase === 'Error') && o.includesCommit(op?.syncResult?.revision ?? op?.operation?.sync?.revision);
  const detail = [health === 'Degraded' ? st.health?.message : undefined, o.podDetails].filter(Boolean).join('; ');

  if (store.phase === 'resuming') {
    if (healthyAtCommit) return { status: 'Ready', phase: 'ready', reason: 'Resumed', message: null };
    if (condition) return { status: 'Error', phase: 'failed', reason: condition.type, message: condition.message ?? condition.type };
    if (failedSync) return { status: 'Error', phase: 'failed', reason: 'SyncFailed', message: `Sync failed: ${op?.message ?? 'no message'}` };
    if (health === 'Degraded')
      return { status: 'Error', phase: 'degraded', reason: 'Degraded', message: `The store is not healthy after its resume${detail ? `: ${detail}` : '.'}` };
    if (store.committedAt !== null && o.now.getTime() - store.committedAt.getTime() > o.readyTimeoutMs)
      return {
        status: 'Error',
        phase: 'failed',
        reason: 'Timeout',
        message: `Not ready ${Math.round(o.readyTimeoutMs / 60000)} min after the resume was committed: Argo CD reports ${st.sync?.status ?? 'Unknown'}/${health ?? 'Unknown'}.`,
      };
    return undefined;
  }

  if (healthyAtCommit)
    return {
      status: 'Suspended',
      phase: 'suspended',
      reason: 'Suspended',
      message: 'Paused: WordPress and MySQL are stopped, the data is kept and visitors see the holding page.',
    };
  const problem = condition
    ? `${condition.type}: ${condition.message ?? ''}`.trim()
    : failedSync
      ? `sync failed: ${op?.message ?? 'no message'}`
      : health === 'Degraded'
        ? `Argo CD reports it Degraded${detail ? `: ${detail}` : ''}`
        : undefined;
  if (problem)
    return {
      status: 'Suspended',
      phase: 'degraded',
      reason: condition?.type ?? (failedSync ? 'SyncFailed' : 'Degraded'),
      message: `The store is paused but not healthy: ${problem}`,
    };
  return undefined;
}
