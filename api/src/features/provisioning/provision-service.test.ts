import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { ProvisionService } from './provision-service.ts';

describe(ProvisionService.name, () => {
  it('commits a Pending store once: secrets generated and sealed, files rendered, phase committed, Argo CD asked to refresh', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const { store } = await f.services.stores.create(actor, { name: 'shop' });
    expect(await f.services.provision.provision(store.id)).toBe('committed');
    const row = (await f.repos.stores.findById(store.id))!;
    expect(row).toMatchObject({ status: 'Pending', phase: 'committed', commit_sha: f.writer.commits.at(-1)!.sha, admin_username: 'admin' });
    expect(Object.keys(row.sealed_secrets!)).toEqual(expect.arrayContaining(['wordpress-admin-password', 'mysql-password', 'AUTH_KEY']));
    expect([...f.writer.files.keys()].sort()).toEqual([`stores/${store.id}/application.yaml`, `stores/${store.id}/values.yaml`]);
    // No generated secret in Git in plain text: the admin password is only in the encrypted column.
    const password = f.secrets.open(row.admin_password_enc!, store.id);
    for (const content of f.writer.files.values()) expect(content).not.toContain(password);
    // a new store: the root app-of-apps creates its Application (which syncs at once)
    expect(f.cluster.refreshed).toEqual(['stores-root']);
    expect((await f.repos.stores.events(store.id)).map((e) => e.phase)).toEqual(['queued', 'committing', 'committed']);
  });

  it('generates the secrets once: a retry re-renders with the same sealed secrets and admin password, as a new commit', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const { store } = await f.services.stores.create(actor, { name: 'shop' });
    await f.services.provision.provision(store.id);
    const first = (await f.repos.stores.findById(store.id))!;
    await f.repos.stores.transition(store.id, { status: 'Error', phase: 'failed', reason: 'SyncFailed' });
    await f.services.stores.retry(actor, store.id);
    await f.services.provision.provision(store.id);
    const second = (await f.repos.stores.findById(store.id))!;
    expect(second.sealed_secrets).toEqual(first.sealed_secrets);
    expect(second.admin_password_enc).toBe(first.admin_password_enc);
    expect(f.sealingCertFetches()).toBe(1);
    expect(second.commit_sha).not.toBe(first.commit_sha);
  });

  it('skips every store that is not due (Ready is never provisioned again; Error waits for a retry; a store already removed from Git stays so)', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    for (const [status, phase] of [
      ['Ready', 'ready'],
      ['Error', 'failed'],
      ['Error', 'degraded'],
      ['Deleting', 'pruning'],
    ] as const) {
      const s = f.repos.stores.seed({ owner_id: actor.userId, name: `s-${status}-${phase}`, status, phase });
      expect(await f.services.provision.provision(s.id)).toBe('skipped');
    }
    expect(await f.services.provision.provision('00000000-0000-4000-8000-000000000000')).toBe('skipped');
    expect(f.writer.commits).toEqual([]);
  });

  it('commits a running store whose desired state moved ahead of Git, once, keeping the phase its change set', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const s = f.repos.stores.seed({ owner_id: actor.userId, name: 'running', status: 'Ready', phase: 'ready', sealed_secrets: { k: 'v' } });
    expect(await f.services.provision.provision(s.id)).toBe('skipped');
    await f.repos.stores.bumpGeneration(s.id);
    f.repos.stores.rows.get(s.id)!.phase = 'ready';
    expect(await f.services.provision.provision(s.id)).toBe('committed');
    const after = (await f.repos.stores.findById(s.id))!;
    expect([after.status, after.phase, after.committed_generation, after.generation]).toEqual(['Ready', 'ready', 2, 2]);
    expect(f.writer.commits).toHaveLength(1);
    // the same job again: nothing is ahead any more
    expect(await f.services.provision.provision(s.id)).toBe('skipped');
    expect(f.writer.commits).toHaveLength(1);
  });

  it('in pull-request mode the store waits for review, with the pull request, and Argo CD is not asked to look', async () => {
    const f = createFakeServices({ pullRequests: true });
    const { store } = await f.services.stores.create(await f.actors.user(), { name: 'reviewed' });
    await f.services.provision.provision(store.id);
    expect(await f.repos.stores.findById(store.id)).toMatchObject({
      status: 'Pending',
      phase: 'awaiting review',
      pull_request_number: 1,
      message: 'Waiting for review: https://git.example/pr/1',
    });
    expect(f.cluster.refreshed).toEqual([]);
  });

  it('delete removes the store’s folder from Git and waits for the cluster (pruning); a job that gave up marks it so', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const { store } = await f.services.stores.create(actor, { name: 'doomed' });
    await f.services.provision.provision(store.id);
    await f.services.stores.requestDelete(actor, store.id);
    expect(await f.services.provision.delete(store.id)).toBe('committed');
    expect([...f.writer.files.keys()]).toEqual([]);
    expect(await f.repos.stores.findById(store.id)).toMatchObject({ status: 'Deleting', phase: 'pruning' });
    await f.services.provision.deleteFailed(store.id, 'too late');
    expect((await f.repos.stores.findById(store.id))!.phase).toBe('pruning');
  });

  it('fail marks a Pending store Error/failed, never a Ready or Deleting one', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const pending = f.repos.stores.seed({ owner_id: actor.userId, name: 'p' });
    const ready = f.repos.stores.seed({ owner_id: actor.userId, name: 'r', status: 'Ready', phase: 'ready' });
    const deleting = f.repos.stores.seed({ owner_id: actor.userId, name: 'd', status: 'Deleting', phase: 'deleting' });
    for (const s of [pending, ready, deleting]) await f.services.provision.fail(s.id, 'RetriesExhausted', 'Provisioning failed: boom');
    expect((await f.repos.stores.findById(pending.id))!).toMatchObject({ status: 'Error', phase: 'failed', message: 'Provisioning failed: boom' });
    expect((await f.repos.stores.findById(ready.id))!.status).toBe('Ready');
    expect((await f.repos.stores.findById(deleting.id))!.status).toBe('Deleting');
  });
});
