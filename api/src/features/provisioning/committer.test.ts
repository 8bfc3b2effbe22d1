import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { GitTransportError } from '../../../../gitops/src/git-writer.ts';
import { CommitBatchError } from './provision-service.ts';

const folder = (id: string) => `stores/${id}/`;
const inGit = (f: ReturnType<typeof createFakeServices>, id: string) => [...f.writer.files.keys()].some((p) => p.startsWith(folder(id)));

describe('the committer (ProvisionService.commitDue)', () => {
  it('commits everything due in one commit: new stores, a running store ahead of Git, and a removal', async () => {
    const f = createFakeServices({ env: { DEFAULT_STORE_QUOTA: '10' } });
    const actor = await f.actors.user();
    const created = [];
    for (const name of ['a', 'b', 'c']) created.push((await f.services.stores.create(actor, { name })).store);
    const running = f.repos.stores.seed({ owner_id: actor.userId, name: 'running', status: 'Ready', phase: 'ready', sealed_secrets: { k: 'dg==' } });
    await f.repos.stores.bumpGeneration(running.id);
    const doomed = f.repos.stores.seed({ owner_id: actor.userId, name: 'doomed', status: 'Deleting', phase: 'deleting' });
    f.writer.files.set(`stores/${doomed.id}/values.yaml`, 'x');

    const run = await f.services.provision.commitDue();
    expect(run.batches).toEqual([5]);
    expect(f.writer.commits).toHaveLength(1);
    expect(f.writer.commits[0]!.message).toMatch(/^Apply 5 store changes/);
    expect(new Set(run.committed)).toEqual(new Set([...created.map((s) => s.id), running.id]));
    expect(run.removed).toEqual([doomed.id]);
    for (const s of created) {
      expect(await f.repos.stores.findById(s.id)).toMatchObject({ phase: 'committed', committed_generation: 1, commit_sha: f.writer.commits[0]!.sha });
      expect(inGit(f, s.id)).toBe(true);
    }
    expect(await f.repos.stores.findById(running.id)).toMatchObject({ status: 'Ready', phase: 'ready', committed_generation: 2 });
    expect(await f.repos.stores.findById(doomed.id)).toMatchObject({ status: 'Deleting', phase: 'pruning' });
    expect(inGit(f, doomed.id)).toBe(false);
    // Argo CD: the root once for the batch, and the Application of the store committed before.
    expect(f.cluster.refreshed).toEqual(['stores-root', `store-${running.id}`]);
    // Nothing due any more: the next run commits nothing.
    expect((await f.services.provision.commitDue()).batches).toEqual([]);
    expect(f.writer.commits).toHaveLength(1);
  });

  it('a second wake while the committer runs returns at once (coalesced); the run in progress takes its work too', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const first = (await f.services.stores.create(actor, { name: 'first' })).store;
    let second: string | undefined;
    let wake: Promise<unknown> | undefined;
    const apply = f.writer.apply.bind(f.writer);
    f.writer.apply = async (changes, message) => {
      if (!second) {
        // A store created and its job run while the first batch is being pushed.
        second = (await f.services.stores.create(actor, { name: 'second' })).store.id;
        wake = f.services.provision.commitDue();
      }
      return apply(changes, message);
    };
    const run = await f.services.provision.commitDue();
    expect(await wake).toMatchObject({ coalesced: true, committed: [] });
    expect(run.committed).toEqual([first.id, second]);
    expect(run.batches).toEqual([1, 1]);
  });

  it('crash after the push, before the record: the next run finds the change in Git, makes no new commit, and records it', async () => {
    const f = createFakeServices();
    const { store } = await f.services.stores.create(await f.actors.user(), { name: 'phoenix' });
    await f.services.provision.commitDue();
    const sha = f.writer.commits.at(-1)!.sha;
    // What a crash between push and record leaves: the files in Git, the row not told.
    Object.assign(f.repos.stores.rows.get(store.id)!, { committed_generation: 0, commit_sha: null, phase: 'committing' });
    const run = await f.services.provision.commitDue();
    expect(run.committed).toEqual([store.id]);
    expect(f.writer.commits.map((c) => c.sha)).toEqual([sha]);
    expect(await f.repos.stores.findById(store.id)).toMatchObject({ committed_generation: 1, commit_sha: sha, phase: 'committed' });
  });

  it('a store deleted while its batch is being rendered is left out; one deleted during the push is removed by the next batch, after', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const early = (await f.services.stores.create(actor, { name: 'early' })).store;
    const late = (await f.services.stores.create(actor, { name: 'late' })).store;
    // The delete of `early` lands after the claim, before the re-read (while secrets are sealed).
    const cert = f.cluster.sealingCertificate.bind(f.cluster);
    let deleted = false;
    f.cluster.sealingCertificate = async () => {
      if (!deleted) {
        deleted = true;
        await f.services.stores.requestDelete(actor, early.id);
      }
      return cert();
    };
    // The delete of `late` lands during the push.
    const apply = f.writer.apply.bind(f.writer);
    let pushes = 0;
    f.writer.apply = async (changes, message) => {
      if (pushes++ === 0) await f.services.stores.requestDelete(actor, late.id);
      return apply(changes, message);
    };
    const run = await f.services.provision.commitDue();
    expect(f.writer.commits.map((c) => c.message.split('\n')[0])).toEqual([
      `Provision store late (${late.id})`,
      `Apply 2 store changes`, // both removals: `late`'s folder goes, `early`'s was never written
    ]);
    expect(run.removed.sort()).toEqual([early.id, late.id].sort());
    expect(inGit(f, early.id) || inGit(f, late.id)).toBe(false);
    for (const id of [early.id, late.id]) expect(await f.repos.stores.findById(id)).toMatchObject({ status: 'Deleting', phase: 'pruning' });
  });

  it('a store that cannot be rendered is marked failed on its own; the rest of the batch is committed', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const good = (await f.services.stores.create(actor, { name: 'good' })).store;
    const bad = f.repos.stores.seed({ owner_id: actor.userId, name: 'bad', domain: 'not a host!' });
    const run = await f.services.provision.commitDue();
    expect(run.committed).toEqual([good.id]);
    expect(run.failed).toEqual([bad.id]);
    expect(await f.repos.stores.findById(bad.id)).toMatchObject({ status: 'Error', phase: 'failed' });
    expect((await f.repos.stores.findById(bad.id))!.message).toMatch(/^Provisioning failed: .*not a host name/);
    expect(inGit(f, good.id)).toBe(true);
  });

  it('a failed push fails the batch with a transient CommitBatchError naming its stores; the give-up marks each of them failed', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const a = (await f.services.stores.create(actor, { name: 'a' })).store;
    const b = (await f.services.stores.create(actor, { name: 'b' })).store;
    f.writer.failNext = new GitTransportError('connection reset');
    const err = await f.services.provision.commitDue().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommitBatchError);
    expect((err as CommitBatchError).transient).toBe(true);
    expect(new Set((err as CommitBatchError).storeIds)).toEqual(new Set([a.id, b.id]));
    // Nothing was recorded: both still due, and the lock was released (the retry runs).
    expect((await f.repos.stores.listDueCommit(10)).map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
    await f.services.provision.giveUp(a.id, err);
    for (const id of [a.id, b.id])
      expect(await f.repos.stores.findById(id)).toMatchObject({ status: 'Error', phase: 'failed', message: 'Provisioning failed: connection reset' });
  });
});
