import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';

let h: PipelineHarness;
beforeAll(async () => {
  h = await startPipelineHarness();
}, 120_000);
afterAll(async () => h?.close());

const git = (...args: string[]) => execFileSync('git', ['--git-dir', h.repoPath, ...args], { encoding: 'utf8' });

describe('the GitOps pipeline, end to end (real PostgreSQL, git http-backend, helm, sim)', () => {
  it('create → commit → sync → Ready with URL and credentials → healthy → delete → gone everywhere', async () => {
    const u = await h.signUp();
    const created = await h.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'e2e-shop', domain: 'e2e-shop.example.com' } });
    expect(created.status).toBe(202);
    const id: string = created.body.id;

    const ready = await h.waitForStore(u.token, id, (s) => s.status === 'Ready' || s.status === 'Error', 90_000);
    expect(ready).toMatchObject({ status: 'Ready', phase: 'ready', url: 'https://e2e-shop.example.com', adminUrl: 'https://e2e-shop.example.com/wp-admin/' });
    expect(ready.credentials).toEqual({ username: 'admin', password: expect.stringMatching(/^[\w-]{24}$/) });
    expect(ready.commitSha).toMatch(/^[0-9a-f]{40}$/);

    // The commit is in the repo, with the store's two platform-owned files.
    expect(git('ls-tree', '--name-only', `main:stores/${id}`).trim().split('\n').sort()).toEqual(['application.yaml', 'values.yaml']);
    expect(git('merge-base', '--is-ancestor', ready.commitSha, 'main') === '').toBe(true);

    const events = (await h.request('GET', `/api/v1/stores/${id}/events`, { token: u.token })).body.items.map((e: any) => `${e.status}/${e.phase}`);
    expect(events[0]).toBe('Pending/queued');
    expect(events).toContain('Pending/committing');
    expect(events).toContain('Pending/committed');
    expect(events.at(-1)).toBe('Ready/ready');

    // No generated secret in clear text in any blob of the repo's history, nor in the logs.
    const secret = h.sim.store.get('v1', 'Secret', `store-${id}`, 'store-secrets') as { data: Record<string, string> } | undefined;
    expect(secret, 'the sim unsealed the SealedSecret into a Secret').toBeDefined();
    const values = Object.entries(secret!.data)
      .filter(([k]) => k !== 'wordpress-admin-user')
      .map(([, v]) => Buffer.from(v, 'base64').toString('utf8'));
    expect(values).toHaveLength(11);
    expect(values).toContain(ready.credentials.password);
    const blobs = execFileSync(
      'sh',
      ['-c', `git --git-dir '${h.repoPath}' rev-list --objects --all | cut -d' ' -f1 | git --git-dir '${h.repoPath}' cat-file --batch`],
      { maxBuffer: 256 * 1024 * 1024 },
    ).toString('latin1');
    expect(blobs).toContain(`store-${id}`); // the scan does read the store's files
    const logs = h.logs.text();
    for (const v of values) {
      expect(blobs.includes(v), 'a secret value in the repo history').toBe(false);
      expect(logs.includes(v), 'a secret value in the logs').toBe(false);
    }

    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/store_provisioning_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/store_provisioning_total\{outcome="success",reason="Healthy"\} [1-9]/);
    expect(metrics).toMatch(/gitops_commit_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/store_status_cycle_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/store_platform_jobs\{name="store.provision",state="done"\} [1-9]/);
    for (const v of values) expect(metrics.includes(v)).toBe(false);

    const health = await h.request('GET', `/api/v1/stores/${id}/health`, { token: u.token });
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('healthy');
    expect(health.body.components.map((c: any) => c.component).sort()).toEqual(expect.arrayContaining(['mysql', 'wordpress']));
    expect(health.body.components.every((c: any) => c.ready && c.phase === 'Running')).toBe(true);

    expect((await h.request('GET', '/api/v1/me', { token: u.token })).body.quota.used).toBe(1);
    const del = await h.request('DELETE', `/api/v1/stores/${id}`, { token: u.token });
    expect(del.status).toBe(202);
    const gone = await h.waitForStore(u.token, id, (s) => s.gone === true, 60_000);
    expect(gone).toEqual({ gone: true, status: 404 });
    expect(() => git('ls-tree', `main:stores/${id}`)).toThrow();
    expect(h.sim.store.get('v1', 'Namespace', undefined, `store-${id}`)).toBeUndefined();
    expect(h.sim.store.list('argoproj.io/v1alpha1', 'Application', { namespace: 'argocd', labelSelector: `store-platform.io/store-id=${id}` })).toEqual([]);
    expect((await h.request('GET', '/api/v1/me', { token: u.token })).body.quota.used).toBe(0);
    const audit = await h.platform.knex('audit_events').where({ store_id: id }).orderBy('id');
    expect(audit.map((a) => a.action)).toEqual(['store.create', 'store.delete', 'store.deleted']);
  }, 180_000);

  it('reports a cluster connection at /api/v1/platform (kubernetes, since CLUSTER_SIMULATED is unset here)', async () => {
    expect((await h.request('GET', '/api/v1/platform')).body.cluster).toBe('kubernetes');
  });

  it('a delete right after the create wins: the store never comes back in Git or the cluster', async () => {
    const u = await h.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await h.request('POST', '/api/v1/stores', { token: u.token, body: { name: `fleeting-${i}` } });
      await new Promise((r) => setTimeout(r, i * 150)); // before, around and after the provision commit
      expect((await h.request('DELETE', `/api/v1/stores/${created.body.id}`, { token: u.token })).status).toBe(202);
      ids.push(created.body.id);
    }
    for (const id of ids) await h.waitForStore(u.token, id, (s) => s.gone === true, 90_000);
    await new Promise((r) => setTimeout(r, 1500)); // a late provision commit would show up by now
    for (const id of ids) {
      expect(() => git('ls-tree', `main:stores/${id}`), git('log', '--format=%h %s%n%b', 'main', '--', `stores/${id}`)).toThrow();
      expect(h.sim.store.list('argoproj.io/v1alpha1', 'Application', { namespace: 'argocd', labelSelector: `store-platform.io/store-id=${id}` })).toEqual([]);
    }
  }, 180_000);

  it('health of an unknown store is 404', async () => {
    const u = await h.signUp();
    expect((await h.request('GET', '/api/v1/stores/00000000-0000-4000-8000-000000000000/health', { token: u.token })).status).toBe(404);
  });
});
