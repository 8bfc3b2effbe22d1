import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:https';
import { stringify } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import type { Sim } from '../src/sim.ts';
import { sealSecretValue } from '../../renderer/src/seal.ts';
import { createGitopsRepo, storeApplication, type GitopsRepo, startTestSim } from './gitops-repo-fixture.ts';
import { waitFor } from './wait-for.ts';

const chartDir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'mini-store');

type App = { metadata: { name: string }; status?: any };

/** Calls the sim's control endpoint with the kubeconfig's token and CA. */
async function control(sim: Sim, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  const ca = Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64');
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}/sim/v1${path}`, { method, ca, headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('sim faults, as a cluster shows them', () => {
  let sim: Sim;
  let repo: GitopsRepo;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    repo = createGitopsRepo({ chartDir });
    sim = await startTestSim(repo.url);
    kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterAll(async () => {
    await sim?.stop();
    repo?.cleanup();
  });

  const getApp = async (name: string) =>
    (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name }).catch(() => undefined)) as App | undefined;

  const addStore = (id: string, appOptions: Parameters<typeof storeApplication>[2] = {}) =>
    repo.commit({
      [`stores/${id}/application.yaml`]: stringify(storeApplication(id, repo.url, appOptions)),
      [`stores/${id}/values.yaml`]: stringify({
        store: { id, name: id, domain: `${id}.example.com`, owner: 'o' },
        secrets: { sealed: { enabled: true, encryptedData: { 'mysql-password': sealSecretValue({ certPem: sim.sealingCertPem(), namespace: `store-${id}`, name: 'store-secrets', value: 'pw' }) } } },
      }),
    });

  const healthOf = async (name: string) => (await getApp(name))?.status?.health?.status;

  it('crash-loops the pods of a store: CrashLoopBackOff with growing restarts, Progressing then Degraded, back to Healthy when lifted', async () => {
    const fault = await control(sim, 'POST', '/faults', { type: 'crashLoop', namespace: 'store-crash' });
    expect(fault.status).toBe(201);
    addStore('crash');
    const pod = await waitFor('CrashLoopBackOff with restarts', async () => {
      const p = (await core.listNamespacedPod({ namespace: 'store-crash', labelSelector: 'app.kubernetes.io/name=wordpress' })).items[0];
      const cs = p?.status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && (cs.restartCount ?? 0) >= 2 ? p : undefined;
    });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
    const seen = new Set<string>();
    await waitFor('Degraded', async () => {
      const h = await healthOf('store-crash');
      if (h) seen.add(h);
      return h === 'Degraded';
    });
    expect(seen.has('Progressing')).toBe(true);
    expect((await control(sim, 'DELETE', `/faults/${fault.body.id}`)).status).toBe(200);
    await waitFor('Healthy again', async () => (await healthOf('store-crash')) === 'Healthy');
  });

  it('fails image pulls: ImagePullBackOff with a Failed event, pod Pending, store Degraded', async () => {
    await control(sim, 'POST', '/faults', { type: 'imagePullFailure', namespace: 'store-pull' });
    addStore('pull');
    const reasons = new Set<string>();
    await waitFor('ImagePullBackOff', async () => {
      const p = (await core.listNamespacedPod({ namespace: 'store-pull', labelSelector: 'app.kubernetes.io/name=wordpress' })).items[0];
      const r = p?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) reasons.add(r);
      return r === 'ImagePullBackOff' && p?.status?.phase === 'Pending';
    });
    const events = await core.listNamespacedEvent({ namespace: 'store-pull' });
    expect(events.items.find((e) => e.reason === 'Failed')?.message).toMatch(/^Failed to pull image "wordpress:6-apache": /);
    await waitFor('Degraded', async () => (await healthOf('store-pull')) === 'Degraded');
  });

  it('fails a sync and does not retry it automatically for the same commit; a sync operation or a new commit syncs', async () => {
    const fault = await control(sim, 'POST', '/faults', { type: 'syncFailure', application: 'store-sync', message: 'one or more objects failed to apply, reason: simulated admission webhook timeout' });
    const sha = addStore('sync');
    const failed = await waitFor('sync Failed', async () => {
      const a = await getApp('store-sync');
      return a?.status?.operationState?.phase === 'Failed' ? a : undefined;
    });
    expect(failed.status.operationState.message).toBe('one or more objects failed to apply, reason: simulated admission webhook timeout');
    expect(failed.status.operationState.syncResult.revision).toBe(sha);
    await control(sim, 'DELETE', `/faults/${fault.body.id}`);
    const startedAt = failed.status.operationState.startedAt;
    const skipped = await waitFor('SyncError condition', async () => {
      const a = await getApp('store-sync');
      return a?.status?.conditions?.find((c: { type: string }) => c.type === 'SyncError') ? a : undefined;
    });
    expect(skipped.status.conditions).toContainEqual(expect.objectContaining({ type: 'SyncError', message: `Failed last sync attempt to [${sha}]: one or more objects failed to apply, reason: simulated admission webhook timeout` }));
    for (let i = 0; i < 10; i++) await sim.refresh();
    const still = await getApp('store-sync');
    expect(still?.status.operationState.phase).toBe('Failed');
    expect(still?.status.operationState.startedAt).toBe(startedAt);
    expect(still?.status.sync.status).toBe('OutOfSync');
    // An explicit sync operation (what `argocd app sync` writes) retries the same commit.
    await custom.patchNamespacedCustomObject(
      { group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: 'store-sync', body: [{ op: 'add', path: '/operation', value: { sync: { revision: sha }, initiatedBy: { username: 'admin' } } }] },
    );
    const manual = await waitFor('manual sync Succeeded', async () => {
      const a = await getApp('store-sync');
      return a?.status?.operationState?.phase === 'Succeeded' ? a : undefined;
    });
    expect(manual.status.operationState.syncResult.revision).toBe(sha);
    expect(manual.status.operationState.operation.initiatedBy).toEqual({ username: 'admin' });
    expect((manual as unknown as { operation?: unknown }).operation).toBeUndefined();
    // A failure at a later commit is not retried either; the commit after it syncs.
    const again = await control(sim, 'POST', '/faults', { type: 'syncFailure', application: 'store-sync' });
    const failedCommit = repo.commit({ 'stores/sync/overrides.yaml': stringify({ ingress: { enabled: false } }) }, 'Touch store sync');
    await waitFor('failed at the later commit', async () => {
      const a = await getApp('store-sync');
      return a?.status?.operationState?.syncResult?.revision === failedCommit && a.status.operationState.phase === 'Failed';
    });
    await control(sim, 'DELETE', `/faults/${again.body.id}`);
    const next = repo.commit({ 'stores/sync/overrides.yaml': stringify({ wordpress: { image: 'wordpress:6.9-apache' } }) }, 'Change store sync image');
    const ok = await waitFor('synced at the new commit', async () => {
      const a = await getApp('store-sync');
      return a?.status?.operationState?.phase === 'Succeeded' && a.status.operationState.syncResult.revision === next ? a : undefined;
    });
    expect(ok.status.sync.revision).toBe(next);
  });

  it('reports a ComparisonError when helm cannot render the values, without touching the cluster', async () => {
    repo.commit({
      'stores/broken/application.yaml': stringify(storeApplication('broken', repo.url)),
      'stores/broken/values.yaml': 'store: [unclosed',
    });
    const a = await waitFor('ComparisonError', async () => {
      const x = await getApp('store-broken');
      return x?.status?.conditions?.some((c: { type: string }) => c.type === 'ComparisonError') ? x : undefined;
    });
    expect(a.status.conditions[0].message).toMatch(/^Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = `helm template store-broken \. --namespace store-broken .*` failed exit status 1: Error: /);
    expect(a.status.sync.status).toBe('Unknown');
    await expect(core.readNamespace({ name: 'store-broken' })).rejects.toMatchObject({ code: 404 });
  });

  it('retries a failing sync with the Application retry policy before giving up', async () => {
    await control(sim, 'POST', '/faults', { type: 'syncFailure', application: 'store-retry' });
    addStore('retry', { retryLimit: 2, retryBackoff: '10m' }); // 10 min × timeScale 0.002 = 1.2 s between attempts
    const retrying = await waitFor('retrying', async () => {
      const a = await getApp('store-retry');
      return a?.status?.operationState?.phase === 'Running' && a.status.operationState.retryCount >= 1 ? a : undefined;
    });
    expect(retrying.status.operationState.message).toMatch(/^Retrying attempt #\d at \d+:\d\d[AP]M: one or more objects failed to apply/);
    const failed = await waitFor('failed after retries', async () => {
      const a = await getApp('store-retry');
      return a?.status?.operationState?.phase === 'Failed' ? a : undefined;
    });
    expect(failed.status.operationState.retryCount).toBe(2);
  });

  it('answers 503 Status while the API is unavailable, then recovers', async () => {
    await control(sim, 'POST', '/faults', { type: 'apiUnavailable', durationMs: 2000 });
    const err = await core.listNamespacedPod({ namespace: 'argocd' }).then(() => undefined, (e: unknown) => e as { code?: number; body?: string });
    expect(err?.code).toBe(503);
    expect(JSON.parse(err?.body ?? '{}')).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    await waitFor('API back', async () => (await core.listNamespacedPod({ namespace: 'argocd' }).then(() => true, () => false)));
  });

  it('slows every API answer down while the slow fault is on', async () => {
    const fault = await control(sim, 'POST', '/faults', { type: 'slow', delayMs: 250 });
    const started = performance.now();
    await core.readNamespace({ name: 'argocd' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    await control(sim, 'DELETE', `/faults/${fault.body.id}`);
    expect((await control(sim, 'GET', '/faults')).body.items.some((f: { type: string }) => f.type === 'slow')).toBe(false);
  });

  it('refuses an invalid fault with 422', async () => {
    const res = await control(sim, 'POST', '/faults', { type: 'crashLoop' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Invalid' });
  });
});
