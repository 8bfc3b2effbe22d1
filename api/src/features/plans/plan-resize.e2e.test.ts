import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';
import { SHIPPED_PLANS_FILE } from '../../config/config.ts';

let h: PipelineHarness;
/** The shipped plans, on a StorageClass that expands (as Longhorn or a cloud CSI class does). */
const plansFile = join(mkdtempSync(join(tmpdir(), 'plans-e2e-')), 'plans.yaml');
writeFileSync(
  plansFile,
  readFileSync(SHIPPED_PLANS_FILE, 'utf8')
    .replace('storageClassName: ""', 'storageClassName: expandable')
    .replace('allowVolumeExpansion: false', 'allowVolumeExpansion: true'),
);

beforeAll(async () => {
  h = await startPipelineHarness({ PLANS_FILE: plansFile });
  h.sim.store.create({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'expandable' },
    provisioner: 'driver.longhorn.io',
    allowVolumeExpansion: true,
  });
}, 120_000);
afterAll(async () => h?.close());

const git = (...args: string[]) => execFileSync('git', ['--git-dir', h.repoPath, ...args], { encoding: 'utf8' }).trim();
const commits = () => Number(git('rev-list', '--count', 'main'));

async function readyStore(token: string, name: string): Promise<string> {
  const created = await h.request('POST', '/api/v1/stores', { token, body: { name } });
  expect(created.status).toBe(202);
  expect(created.body.plan).toBe('small');
  const ready = await h.waitForStore(token, created.body.id, (s) => s.status === 'Ready' || s.status === 'Error', 90_000);
  expect(ready).toMatchObject({ status: 'Ready', phase: 'ready' });
  return created.body.id;
}

describe('plans, end to end (real PostgreSQL, git, helm, the sim)', () => {
  it('small → large: one commit, the sim runs the large quota, requests and volumes, the store goes resizing → Ready', async () => {
    const u = await h.signUp();
    const id = await readyStore(u.token, 'resize-shop');
    const ns = `store-${id}`;
    const before = commits();
    const pvcSizes = () =>
      h.sim.store
        .list('v1', 'PersistentVolumeClaim', { namespace: ns })
        .map((p: any) => `${p.metadata.name}=${p.spec.resources.requests.storage}/${p.status?.capacity?.storage}`)
        .sort();
    expect(pvcSizes()).toEqual(['store-mysql-data=20Gi/20Gi', 'store-wordpress-content=30Gi/30Gi'].sort());

    const patched = await h.request('PATCH', `/api/v1/stores/${id}`, { token: u.token, body: { plan: 'large' } });
    expect(patched.status).toBe(202);
    expect(patched.body).toMatchObject({ plan: 'large', status: 'Ready', phase: 'resizing', url: expect.any(String) });

    const done = await h.waitForStore(u.token, id, (s) => s.phase !== 'resizing', 90_000);
    expect(done).toMatchObject({ status: 'Ready', phase: 'ready', plan: 'large' });
    const events = (await h.request('GET', `/api/v1/stores/${id}/events`, { token: u.token })).body.items.map((e: any) => `${e.status}/${e.phase}/${e.reason}`);
    expect(events.slice(-3)).toEqual(['Ready/resizing/PlanChangeRequested', 'Ready/resizing/Committed', 'Ready/ready/Resized']);

    // Exactly one new commit, touching only the store's folder (its values, and the plan shown in the Application's info).
    expect(commits()).toBe(before + 1);
    expect(git('diff', '--name-only', 'main~1', 'main').split('\n')).toEqual([`stores/${id}/application.yaml`, `stores/${id}/values.yaml`]);
    expect(git('diff', 'main~1', 'main', '--', `stores/${id}/application.yaml`)).toMatch(/- name: Plan\n-\s+value: small\n\+\s+value: large/);
    expect(done.commitSha).toBe(git('rev-parse', 'main'));

    // What the sim runs is the large plan's shape.
    const quota = h.sim.store.list('v1', 'ResourceQuota', { namespace: ns })[0] as any;
    expect(quota.spec.hard).toMatchObject({
      'requests.cpu': '13',
      'requests.memory': '14Gi',
      'limits.cpu': '26',
      'limits.memory': '25Gi',
      'requests.storage': '110Gi',
      pods: '16',
    });
    expect(quota.status.hard['requests.cpu']).toBe('13');
    const container = (name: string) => (h.sim.store.get('apps/v1', 'Deployment', ns, name) as any).spec.template.spec.containers[0].resources;
    expect(container('store-wordpress')).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    expect(container('store-mysql')).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    const pods = h.sim.store
      .list('v1', 'Pod', { namespace: ns })
      .filter((p: any) => p.metadata.labels?.['app.kubernetes.io/component'] === 'wordpress' && p.status?.phase === 'Running');
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.every((p: any) => p.spec.containers[0].resources.requests.cpu === '1')).toBe(true);
    expect(pvcSizes()).toEqual(['store-mysql-data=50Gi/50Gi', 'store-wordpress-content=60Gi/60Gi'].sort());
    expect((h.sim.store.get('autoscaling/v2', 'HorizontalPodAutoscaler', ns, 'store-wordpress') as any).spec.maxReplicas).toBe(10);

    const audit = await h.platform.knex('audit_events').where({ store_id: id, action: 'store.plan_changed' });
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toEqual({ from: 'small', to: 'large' });

    // A shrink of storage: 422 naming the volume and sizes, nothing committed, nothing changed.
    const shrink = await h.request('PATCH', `/api/v1/stores/${id}`, { token: u.token, body: { plan: 'medium' } });
    expect(shrink.status).toBe(422);
    expect(shrink.body.errors).toEqual([
      {
        field: 'plan',
        code: 'volume_shrink',
        message: 'The WordPress content volume is 60Gi on the large plan and cannot shrink to 40Gi on medium: a volume only grows.',
      },
    ]);
    expect(commits()).toBe(before + 1);
    expect((await h.request('GET', `/api/v1/stores/${id}`, { token: u.token })).body).toMatchObject({ plan: 'large', phase: 'ready' });

    // The same plan again: 200, nothing committed.
    const same = await h.request('PATCH', `/api/v1/stores/${id}`, { token: u.token, body: { plan: 'large' } });
    expect(same.status).toBe(200);
    expect(commits()).toBe(before + 1);

    // Someone else's store: 403; an unknown plan: 422.
    const other = await h.signUp();
    expect((await h.request('PATCH', `/api/v1/stores/${id}`, { token: other.token, body: { plan: 'large' } })).status).toBe(403);
    expect((await h.request('PATCH', `/api/v1/stores/${id}`, { token: u.token, body: { plan: 'huge' } })).body.errors[0].code).toBe('unknown_plan');
  }, 240_000);

  it('two plan changes at once: one 202, the other 409, and one commit', async () => {
    const u = await h.signUp();
    const id = await readyStore(u.token, 'race-shop');
    const before = commits();
    const answers = await Promise.all(['medium', 'large'].map((plan) => h.request('PATCH', `/api/v1/stores/${id}`, { token: u.token, body: { plan } })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const winner = answers.find((a) => a.status === 202)!.body.plan;
    expect(answers.find((a) => a.status === 409)!.body.code).toBe('change_in_flight');
    const done = await h.waitForStore(u.token, id, (s) => s.phase !== 'resizing', 90_000);
    expect(done).toMatchObject({ status: 'Ready', phase: 'ready', plan: winner });
    expect(commits()).toBe(before + 1);
  }, 240_000);

  it('GET /plans lists the plans with their sizes, the default and what the quota counts', async () => {
    const u = await h.signUp();
    const res = await h.request('GET', '/api/v1/plans', { token: u.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ defaultPlan: 'small', quotaMode: 'stores', volumeExpansion: true });
    expect(res.body.items.map((p: any) => `${p.name}:${p.units}:${p.wordpress.storage}:${p.default}`)).toEqual([
      'small:1:30Gi:true',
      'medium:2:40Gi:false',
      'large:4:60Gi:false',
    ]);
    expect((await h.request('GET', '/api/v1/plans')).status).toBe(401);
  });
});
