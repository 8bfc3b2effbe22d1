import { describe, expect, it } from 'vitest';
import { mapApplicationStatus, type ArgoApplication, type StoreView } from './application-status.ts';

const COMMIT = 'c0ffee';
const now = new Date('2026-12-01T10:00:00Z');
const opts = { now, readyTimeoutMs: 15 * 60_000, includesCommit: (r: string | undefined) => r === COMMIT };
const app = (status: ArgoApplication['status']): ArgoApplication => ({ metadata: { name: 'store-x' }, status });
const view = (phase: StoreView['phase'], more: Partial<StoreView> = {}): StoreView => ({
  status: 'Suspended',
  phase,
  commitSha: COMMIT,
  committedAt: new Date(now.getTime() - 60_000),
  ...more,
});
const healthy = app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Healthy' } });
const degraded = app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Degraded', message: 'PVC lost' } });

describe('mapApplicationStatus of a Suspended store', () => {
  it('suspending → suspended once Synced + Healthy at a revision containing the commit; an older revision says nothing', () => {
    expect(mapApplicationStatus(view('suspending'), healthy, opts)).toMatchObject({ status: 'Suspended', phase: 'suspended' });
    expect(
      mapApplicationStatus(view('suspending'), app({ sync: { status: 'Synced', revision: 'older' }, health: { status: 'Healthy' } }), opts),
    ).toBeUndefined();
    expect(
      mapApplicationStatus(view('suspending'), app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Progressing' } }), opts),
    ).toBeUndefined();
  });

  it('concludes nothing while the latest change is not committed (the Application shows the previous desired state)', () => {
    expect(mapApplicationStatus(view('suspending', { aheadOfGit: true }), healthy, opts)).toBeUndefined();
    expect(mapApplicationStatus(view('resuming', { aheadOfGit: true }), healthy, opts)).toBeUndefined();
  });

  it('resuming → Ready when Synced + Healthy; Degraded → Error/degraded; a failed sync of the commit → Error/failed; a timeout → Error', () => {
    expect(mapApplicationStatus(view('resuming'), healthy, opts)).toMatchObject({ status: 'Ready', phase: 'ready', reason: 'Resumed' });
    expect(mapApplicationStatus(view('resuming'), degraded, opts)).toMatchObject({ status: 'Error', phase: 'degraded' });
    expect(
      mapApplicationStatus(
        view('resuming'),
        app({ sync: { status: 'OutOfSync', revision: COMMIT }, operationState: { phase: 'Failed', message: 'denied', syncResult: { revision: COMMIT } } }),
        opts,
      ),
    ).toMatchObject({ status: 'Error', phase: 'failed', reason: 'SyncFailed' });
    const old = view('resuming', { committedAt: new Date(now.getTime() - 16 * 60_000) });
    expect(mapApplicationStatus(old, app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Progressing' } }), opts)).toMatchObject({
      status: 'Error',
      reason: 'Timeout',
    });
  });

  it('a paused store that degrades, or whose sync fails, is reported as Suspended/degraded, never silently kept, and back to suspended when healthy', () => {
    for (const phase of ['suspending', 'suspended'] as const) {
      const m = mapApplicationStatus(view(phase), degraded, { ...opts, podDetails: 'store-paused-x: CrashLoopBackOff' });
      expect(m).toMatchObject({ status: 'Suspended', phase: 'degraded', reason: 'Degraded' });
      expect(m!.message).toContain('PVC lost');
      expect(m!.message).toContain('CrashLoopBackOff');
    }
    expect(mapApplicationStatus(view('suspending'), app({ conditions: [{ type: 'SyncError', message: 'boom' }] }), opts)).toMatchObject({
      status: 'Suspended',
      phase: 'degraded',
      reason: 'SyncError',
    });
    expect(mapApplicationStatus(view('degraded'), healthy, opts)).toMatchObject({ status: 'Suspended', phase: 'suspended' });
  });
});
