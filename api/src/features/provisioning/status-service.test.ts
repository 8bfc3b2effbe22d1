import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import type { ArgoApplication } from './application-status.ts';
import { STORE_ID_LABEL } from './cluster-client.ts';
import { StatusService } from './status-service.ts';

type F = ReturnType<typeof createFakeServices>;

/** A store the provision job has committed (Pending/committed at a real fake commit). */
async function committedStore(f: F, name = 'shop') {
  const { store } = await f.services.stores.create(await f.actors.user(), { name });
  await f.services.provision.provision(store.id);
  return (await f.repos.stores.findById(store.id))!;
}

function app(f: F, storeId: string, status: ArgoApplication['status']): void {
  f.cluster.apps.set(`store-${storeId}`, { metadata: { name: `store-${storeId}`, labels: { [STORE_ID_LABEL]: storeId } }, status });
}

const crashLooping = (name: string): V1Pod => ({
  metadata: { name, labels: { 'app.kubernetes.io/component': 'wordpress' } },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [
      { name: 'wordpress', image: 'wordpress', imageID: '', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } },
    ],
  },
});

const state = async (f: F, id: string) => {
  const s = await f.repos.stores.findById(id);
  return s && `${s.status}/${s.phase}`;
};

describe(StatusService.name, () => {
  it('maps each Application state of a committed store: syncing, progressing, Ready (ready_at set), Degraded → Error with the pod reasons', async () => {
    const f = createFakeServices();
    const s = await committedStore(f);
    await f.services.status.cycle();
    expect(await state(f, s.id)).toBe('Pending/syncing');
    app(f, s.id, { sync: { status: 'Synced', revision: s.commit_sha! }, health: { status: 'Progressing' } });
    await f.services.status.cycle();
    expect(await state(f, s.id)).toBe('Pending/progressing');
    app(f, s.id, { sync: { status: 'Synced', revision: s.commit_sha! }, health: { status: 'Healthy' } });
    expect(await f.services.status.cycle()).toEqual({ checked: 1, changed: 1, removed: 0 });
    expect(await state(f, s.id)).toBe('Ready/ready');
    expect((await f.repos.stores.findById(s.id))!.ready_at).toBeInstanceOf(Date);
    expect(await f.services.status.cycle()).toEqual({ checked: 1, changed: 0, removed: 0 });

    const other = await committedStore(f, 'broken');
    f.cluster.pods.set(`store-${other.id}`, [crashLooping('wordpress-7f9c')]);
    app(f, other.id, {
      sync: { status: 'Synced', revision: other.commit_sha! },
      health: { status: 'Degraded', message: 'Deployment exceeded its progress deadline' },
    });
    await f.services.status.cycle();
    expect(await f.repos.stores.findById(other.id)).toMatchObject({
      status: 'Error',
      phase: 'failed',
      message: expect.stringContaining('wordpress-7f9c: CrashLoopBackOff'),
    });
  });

  it('a Ready store whose pods crash-loop turns Error/degraded with the reasons (never Pending), and Ready again by itself, at the same commit', async () => {
    const f = createFakeServices();
    const s = await committedStore(f);
    app(f, s.id, { sync: { status: 'Synced', revision: s.commit_sha! }, health: { status: 'Healthy' } });
    await f.services.status.cycle();
    const readyAt = (await f.repos.stores.findById(s.id))!.ready_at;

    // A restart with no reason yet: still Ready (no flapping on a Progressing blip).
    app(f, s.id, { sync: { status: 'Synced', revision: s.commit_sha! }, health: { status: 'Progressing' } });
    await f.services.status.cycle();
    expect(await state(f, s.id)).toBe('Ready/ready');

    f.cluster.pods.set(`store-${s.id}`, [crashLooping('wordpress-abc')]);
    await f.services.status.cycle();
    expect(await f.repos.stores.findById(s.id)).toMatchObject({
      status: 'Error',
      phase: 'degraded',
      message: 'The store is not healthy: wordpress-abc: CrashLoopBackOff',
      commit_sha: s.commit_sha,
    });

    f.cluster.pods.set(`store-${s.id}`, []);
    app(f, s.id, { sync: { status: 'Synced', revision: s.commit_sha! }, health: { status: 'Healthy' } });
    await f.services.status.cycle();
    const healed = (await f.repos.stores.findById(s.id))!;
    expect(`${healed.status}/${healed.phase}`).toBe('Ready/ready');
    expect(healed.ready_at).toEqual(readyAt);
    expect((await f.repos.stores.events(s.id)).map((e) => `${e.status}/${e.phase}`).filter((x) => !x.startsWith('Pending'))).toEqual([
      'Ready/ready',
      'Error/degraded',
      'Ready/ready',
    ]);
    // Breaking and healing is not a provisioning outcome.
    const outcomes = (await f.metrics.provisionOutcomes.get()).values.map((v) => `${v.labels.outcome}:${v.value}`);
    expect(outcomes).toEqual(['success:1']);
  });

  it('an Error from a failed sync stays Error while Argo CD reports syncing: only a retry or Ready lifts it', async () => {
    const f = createFakeServices();
    const s = await committedStore(f);
    app(f, s.id, {
      sync: { status: 'OutOfSync', revision: s.commit_sha! },
      operationState: { phase: 'Failed', message: 'webhook denied', syncResult: { revision: s.commit_sha! } },
    });
    await f.services.status.cycle();
    expect(await state(f, s.id)).toBe('Error/failed');
    app(f, s.id, { sync: { status: 'OutOfSync', revision: s.commit_sha! } });
    await f.services.status.cycle();
    expect(await state(f, s.id)).toBe('Error/failed');
  });

  it('removes a deleted store only once Git no longer has it, its Application is gone and its namespace too', async () => {
    const f = createFakeServices();
    const s = await committedStore(f);
    const owner = (await f.repos.stores.findById(s.id))!.owner_id;
    await f.services.stores.requestDelete({ userId: owner, role: 'user', email: 'x@example.com', ip: null, requestId: null }, s.id);
    app(f, s.id, { sync: { status: 'Synced' } });
    await f.services.status.cycle();
    expect(await state(f, s.id)).toBe('Deleting/deleting');
    await f.services.provision.delete(s.id);
    await f.services.status.cycle();
    expect(await state(f, s.id)).toBe('Deleting/pruning');
    f.cluster.apps.clear();
    f.cluster.namespaces.set(`store-${s.id}`, 'Terminating');
    await f.services.status.cycle();
    expect((await f.repos.stores.findById(s.id))!.message).toBe('Namespace terminating.');
    f.cluster.namespaces.clear();
    expect(await f.services.status.cycle()).toMatchObject({ removed: 1 });
    expect(await f.repos.stores.findById(s.id)).toBeUndefined();
    expect(f.repos.audit.rows.at(-1)).toMatchObject({ action: 'store.deleted', user_id: owner, store_id: s.id });
  });

  it('in pull-request mode: merged → committed at the merge commit; closed unmerged → Error', async () => {
    const f = createFakeServices({ pullRequests: true });
    const merged = await committedStore(f, 'merged');
    const closed = await committedStore(f, 'closed');
    await f.services.status.cycle();
    expect(await state(f, merged.id)).toBe('Pending/awaiting review');
    f.pullRequestState.set(merged.pull_request_number!, { merged: true, state: 'closed', mergeCommitSha: 'beef' });
    f.pullRequestState.set(closed.pull_request_number!, { merged: false, state: 'closed', mergeCommitSha: null });
    await f.services.status.cycle();
    expect(await f.repos.stores.findById(merged.id)).toMatchObject({ status: 'Pending', phase: 'committed', commit_sha: 'beef' });
    expect(await state(f, closed.id)).toBe('Error/failed');
  });

  it('a cluster that cannot be reached fails the cycle and changes nothing', async () => {
    const f = createFakeServices();
    const s = await committedStore(f);
    f.cluster.down = true;
    await expect(f.services.status.cycle()).rejects.toMatchObject({ name: 'ClusterUnavailableError' });
    expect(await state(f, s.id)).toBe('Pending/committed');
  });

  describe('what a cycle looks at (watch, not list)', () => {
    async function readyStores(f: F, n: number) {
      const out = [];
      for (let i = 0; i < n; i++) {
        const s = await committedStore(f, `shop-${i}`);
        app(f, s.id, { sync: { status: 'Synced', revision: s.commit_sha! }, health: { status: 'Healthy' }, reconciledAt: '2026-12-01T10:00:00Z' });
        out.push(s);
      }
      await f.services.status.cycle(); // the first cycle is a full pass: every store turns Ready
      await f.services.status.cycle(); // and looks once more at the rows it just changed
      return out;
    }

    it('with N unchanged stores a cycle reconciles 0 stores and makes no list call', async () => {
      const f = createFakeServices();
      const stores = await readyStores(f, 25);
      expect(new Set(await Promise.all(stores.map((s) => state(f, s.id))))).toEqual(new Set(['Ready/ready']));
      const lists = f.cluster.informer.stats.lists;
      expect(await f.services.status.cycle()).toEqual({ checked: 0, changed: 0, removed: 0 });
      // Argo CD refreshing every Application (only reconciledAt moves) is no change either.
      for (const s of stores)
        app(f, s.id, { sync: { status: 'Synced', revision: s.commit_sha! }, health: { status: 'Healthy' }, reconciledAt: '2026-12-01T10:03:00Z' });
      expect(await f.services.status.cycle()).toEqual({ checked: 0, changed: 0, removed: 0 });
      expect(f.cluster.listCalls).toBe(0);
      expect(f.cluster.informer.stats.lists).toBe(lists);
    });

    it('a change to one Application reconciles that one store only', async () => {
      const f = createFakeServices();
      const stores = await readyStores(f, 10);
      const broken = stores[3]!;
      app(f, broken.id, { sync: { status: 'Synced', revision: broken.commit_sha! }, health: { status: 'Degraded', message: 'Back-off pulling image' } });
      expect(await f.services.status.cycle()).toEqual({ checked: 1, changed: 1, removed: 0 });
      expect(await state(f, broken.id)).toBe('Error/degraded');
      expect(new Set(await Promise.all(stores.filter((s) => s !== broken).map((s) => state(f, s.id))))).toEqual(new Set(['Ready/ready']));
    });

    it("a change to one store's row (a new commit) reconciles that store without any Application change", async () => {
      const f = createFakeServices();
      const stores = await readyStores(f, 5);
      const s = stores[1]!;
      // A retry committed again: the row changed, the Application did not (yet).
      await f.repos.stores.transition(s.id, { status: 'Pending', phase: 'committed', reason: 'Retried' });
      await f.repos.stores.markCommitted(s.id, { sha: 'f'.repeat(40), generation: 1 });
      expect(await f.services.status.cycle()).toMatchObject({ checked: 1 });
      expect(await state(f, s.id)).toBe('Pending/syncing');
    });

    it('a store waiting on its ready timeout is looked at every cycle until it is decided', async () => {
      let now = new Date();
      const f = createFakeServices({ status: { readyTimeoutMs: 60_000, now: () => now } });
      const s = await committedStore(f);
      await f.services.status.cycle();
      expect(await state(f, s.id)).toBe('Pending/syncing');
      await f.services.status.cycle();
      now = new Date(Date.now() + 120_000); // nothing changes but the clock
      await f.services.status.cycle();
      expect(await f.repos.stores.findById(s.id)).toMatchObject({ status: 'Error', phase: 'failed' });
    });

    it('every resync interval a cycle is a full pass over every store', async () => {
      const f = createFakeServices({ status: { resyncIntervalMs: 0 } });
      await readyStores(f, 4);
      expect(await f.services.status.cycle()).toEqual({ checked: 4, changed: 0, removed: 0 });
    });
  });
});
