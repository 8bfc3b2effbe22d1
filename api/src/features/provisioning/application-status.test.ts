import { describe, expect, it } from 'vitest';
import { mapApplicationStatus, type ArgoApplication, type StoreView } from './application-status.ts';

const COMMIT = 'c0ffee';
const now = new Date('2026-11-26T10:00:00Z');
const committed: StoreView = { status: 'Pending', phase: 'committed', commitSha: COMMIT, committedAt: new Date(now.getTime() - 60_000) };
const opts = { now, readyTimeoutMs: 15 * 60_000, includesCommit: (r: string | undefined) => r === COMMIT || r === 'later' };
const app = (status: ArgoApplication['status']): ArgoApplication => ({ metadata: { name: 'store-x' }, status });

describe(mapApplicationStatus.name, () => {
  it('leaves a store with no commit to the provision job', () => {
    expect(mapApplicationStatus({ ...committed, commitSha: null }, undefined, opts)).toBeUndefined();
  });

  it('waits for Argo CD to create the Application, then times out', () => {
    expect(mapApplicationStatus(committed, undefined, opts)).toMatchObject({ status: 'Pending', phase: 'syncing' });
    const old = { ...committed, committedAt: new Date(now.getTime() - 16 * 60_000) };
    expect(mapApplicationStatus(old, undefined, opts)).toMatchObject({ status: 'Error', reason: 'Timeout' });
  });

  it('is Ready only when Synced and Healthy at a revision that includes the store commit', () => {
    expect(mapApplicationStatus(committed, app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Healthy' } }), opts)).toMatchObject({
      status: 'Ready',
      phase: 'ready',
    });
    expect(mapApplicationStatus(committed, app({ sync: { status: 'Synced', revision: 'later' }, health: { status: 'Healthy' } }), opts)?.status).toBe('Ready');
    expect(mapApplicationStatus(committed, app({ sync: { status: 'Synced', revision: 'older' }, health: { status: 'Healthy' } }), opts)).toMatchObject({
      status: 'Pending',
      phase: 'syncing',
    });
    expect(mapApplicationStatus(committed, app({ sync: { status: 'OutOfSync', revision: COMMIT }, health: { status: 'Healthy' } }), opts)?.status).toBe(
      'Pending',
    );
  });

  it('reports progressing while Deployments become available', () => {
    expect(mapApplicationStatus(committed, app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Progressing' } }), opts)).toMatchObject({
      status: 'Pending',
      phase: 'progressing',
    });
  });

  it('turns Degraded into Error with pod details', () => {
    const m = mapApplicationStatus(committed, app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Degraded' } }), {
      ...opts,
      podDetails: 'wordpress: CrashLoopBackOff',
    });
    expect(m).toMatchObject({ status: 'Error', reason: 'Degraded' });
    expect(m!.message).toContain('CrashLoopBackOff');
  });

  it('turns error conditions and a failed sync of our revision into Error with Argo CD’s message', () => {
    expect(
      mapApplicationStatus(
        committed,
        app({ conditions: [{ type: 'InvalidSpecError', message: 'namespace store-x is not permitted in project stores' }] }),
        opts,
      ),
    ).toMatchObject({ status: 'Error', reason: 'InvalidSpecError', message: expect.stringContaining('not permitted') });
    expect(
      mapApplicationStatus(
        committed,
        app({
          sync: { status: 'OutOfSync', revision: COMMIT },
          operationState: { phase: 'Failed', message: 'admission webhook denied', syncResult: { revision: COMMIT } },
        }),
        opts,
      ),
    ).toMatchObject({ status: 'Error', reason: 'SyncFailed', message: expect.stringContaining('admission webhook denied') });
    // A failed sync of an older revision says nothing about the new commit.
    expect(
      mapApplicationStatus(
        committed,
        app({ sync: { status: 'OutOfSync', revision: 'older' }, operationState: { phase: 'Failed', message: 'x', syncResult: { revision: 'older' } } }),
        opts,
      )?.status,
    ).toBe('Pending');
  });

  it('does not touch a store being deleted', () => {
    expect(mapApplicationStatus({ ...committed, status: 'Deleting' }, undefined, opts)).toBeUndefined();
  });

  describe('a running store (Ready once at this commit)', () => {
    const ready: StoreView = { ...committed, status: 'Ready', phase: 'ready', committedAt: new Date(now.getTime() - 60 * 60_000) };
    const degraded: StoreView = { ...ready, status: 'Error', phase: 'degraded' };
    const healthy = app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Healthy' } });
    const progressing = app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Progressing' } });

    it('whose pods crash-loop is Error/degraded with the pod reasons, never Pending', () => {
      const m = mapApplicationStatus(ready, progressing, { ...opts, podDetails: 'wordpress-abc: CrashLoopBackOff' });
      expect(m).toMatchObject({ status: 'Error', phase: 'degraded', reason: 'Degraded' });
      expect(m!.message).toContain('wordpress-abc: CrashLoopBackOff');
      const d = mapApplicationStatus(
        ready,
        app({ sync: { status: 'Synced', revision: COMMIT }, health: { status: 'Degraded', message: 'Deployment exceeded its progress deadline' } }),
        opts,
      );
      expect(d).toMatchObject({ status: 'Error', phase: 'degraded' });
      expect(d!.message).toContain('progress deadline');
    });

    it('stays as it is while Argo CD re-syncs or a pod restarts without a reason yet, and never times out', () => {
      expect(mapApplicationStatus(ready, progressing, opts)).toBeUndefined();
      expect(mapApplicationStatus(ready, app({ sync: { status: 'OutOfSync', revision: COMMIT }, health: { status: 'Healthy' } }), opts)).toBeUndefined();
      expect(mapApplicationStatus(degraded, progressing, opts)).toBeUndefined();
    });

    it('is Ready again by itself once Synced and Healthy', () => {
      expect(mapApplicationStatus(degraded, healthy, opts)).toMatchObject({ status: 'Ready', phase: 'ready', reason: 'Healthy' });
      expect(mapApplicationStatus(ready, healthy, opts)).toMatchObject({ status: 'Ready', phase: 'ready' });
    });

    it('a store in Error because provisioning failed is not a running store', () => {
      expect(
        mapApplicationStatus({ ...committed, status: 'Error', phase: 'failed' }, progressing, { ...opts, podDetails: 'wordpress-abc: CrashLoopBackOff' }),
      ).toMatchObject({ status: 'Pending', phase: 'progressing' });
    });
  });
});
