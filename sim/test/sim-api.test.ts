import { afterEach, describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import { startSim, type Sim, type SimOptions } from '../src/sim.ts';
import { sealSecretValue } from '../../renderer/src/seal.ts';
import { fetchSealingCert } from '../../api/src/features/provisioning/sealing-cert.ts';
import { createGitopsRepo, storeApplication, rootApp, storesProject, type GitopsRepo } from './gitops-repo-fixture.ts';
import { startGitHttpServer } from '../../gitops/test/support/git-http-server.ts';
import { waitFor } from './wait-for.ts';

const chartDir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'mini-store');
const FAST: SimOptions = {
  tickMs: 20,
  sealingKeyBits: 2048,
  timings: { podStartMs: 30, podReadyMs: 60, jobCompleteMs: 60, pvcBindMs: 20, ingressAddressMs: 20, certificateReadyMs: 30, namespaceTerminationMs: 80, timeScale: 0.002 },
};

type App = { metadata: { name: string; annotations?: Record<string, string> }; status?: any };

describe('sim API server and lifecycle', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  const setup = async (options: SimOptions = {}, repoOverride?: (repo: GitopsRepo) => string) => {
    const repo = createGitopsRepo({ chartDir });
    cleanups.push(() => repo.cleanup());
    const repoURL = repoOverride ? repoOverride(repo) : repo.url;
    const sim = await startSim({ ...FAST, pollMs: 150, repoURL, ...options });
    cleanups.push(() => sim.stop());
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    return { repo, sim, kc, custom: kc.makeApiClient(k8s.CustomObjectsApi), core: kc.makeApiClient(k8s.CoreV1Api) };
  };

  const storeFiles = async (kc: k8s.KubeConfig, id: string, repoURL: string) => ({
    [`stores/${id}/application.yaml`]: stringify(storeApplication(id, repoURL)),
    [`stores/${id}/values.yaml`]: stringify({
      store: { id, name: id, domain: `${id}.example.com`, owner: 'o' },
      secrets: { sealed: { enabled: true, encryptedData: { 'mysql-password': sealSecretValue({ certPem: await fetchSealingCert(kc), namespace: `store-${id}`, name: 'store-secrets', value: 'pw' }) } } },
    }),
  });

  const getApp = (custom: k8s.CustomObjectsApi, name: string) =>
    custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name }).then((a) => a as App, () => undefined);

  it('refuses other bearer tokens with a 401 Status', async () => {
    const { sim } = await setup();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const user = kc.getCurrentUser();
    kc.users = [{ ...(user as k8s.User), token: 'not-the-token' }];
    const err = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'argocd' }).then(() => undefined, (e: { code?: number; body?: string }) => e);
    expect(err?.code).toBe(401);
    const ca = Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64');
    const body = await new Promise<string>((resolve, reject) => {
      request(`${sim.url}/api/v1/namespaces/argocd`, { ca, headers: { Authorization: 'Bearer not-the-token' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      }).on('error', reject).end();
    });
    expect(JSON.parse(body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
  });

  it('serves /metrics in the Prometheus text format to the kubeconfig\'s token and CA only', async () => {
    const { sim, kc } = await setup();
    const ca = Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64');
    const get = (token: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        request(`${sim.url}/metrics`, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString() }));
        }).on('error', reject).end();
      });
    expect((await get('not-the-token')).status).toBe(401);
    const ok = await get(sim.token);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.body).toContain('# TYPE kube_namespace_labels gauge');
    expect(ok.body).toContain('kube_namespace_labels{namespace="argocd"} 1');
  });

  it('answers NotFound Status objects in the API server wording', async () => {
    const { core, custom } = await setup();
    const ns = await core.readNamespace({ name: 'store-nope' }).then(() => undefined, (e: { code?: number; body?: string }) => e);
    expect(ns?.code).toBe(404);
    expect(JSON.parse(ns?.body ?? '{}')).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'namespaces "store-nope" not found', details: { name: 'store-nope', kind: 'namespaces' } });
    const app = await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: 'x' }).then(() => undefined, (e: { code?: number; body?: string }) => e);
    expect(JSON.parse(app?.body ?? '{}').message).toBe('applications.argoproj.io "x" not found');
  });

  it('serves the sealing certificate where kubeseal --fetch-cert looks for it', async () => {
    const { sim, kc } = await setup();
    expect(await fetchSealingCert(kc)).toBe(sim.sealingCertPem());
  });

  it('streams Application changes to a label-selected watch', async () => {
    const { repo, kc } = await setup();
    const events: { type: string; name: string; health?: string }[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
      { labelSelector: 'store-platform.io/managed-by=store-platform' },
      (type, obj: App) => events.push({ type, name: obj.metadata.name, health: obj.status?.health?.status }),
      () => {},
    );
    cleanups.push(() => req.abort());
    repo.commit(await storeFiles(kc, 'watched', repo.url));
    await waitFor('Healthy through the watch', () => events.some((e) => e.name === 'store-watched' && e.health === 'Healthy'));
    expect(events[0]).toMatchObject({ type: 'ADDED', name: 'store-watched' });
    expect(events.every((e) => e.name === 'store-watched')).toBe(true);
  });

  it('feeds a client-node informer (list, then watch from the list resourceVersion)', async () => {
    const { repo, kc } = await setup();
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const path = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
    const informer = k8s.makeInformer<App & k8s.KubernetesObject>(
      kc,
      path,
      () => custom.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', labelSelector: 'store-platform.io/store-id' }) as never,
      'store-platform.io/store-id',
    );
    const seen = new Map<string, string | undefined>();
    informer.on('add', (a) => seen.set(a.metadata?.name as string, a.status?.health?.status));
    informer.on('update', (a) => seen.set(a.metadata?.name as string, a.status?.health?.status));
    await informer.start();
    cleanups.push(() => informer.stop());
    repo.commit(await storeFiles(kc, 'informed', repo.url));
    await waitFor('Healthy through the informer', () => seen.get('store-informed') === 'Healthy');
    expect([...seen.keys()]).toEqual(['store-informed']);
  });

  it('refreshes at once on the refresh annotation and removes it, without waiting for the poll', async () => {
    const { repo, kc, custom, sim } = await setup({ pollMs: 3_600_000 });
    await waitFor('root app synced', async () => (await getApp(custom, 'stores-root'))?.status?.sync?.status === 'Synced');
    repo.commit(await storeFiles(kc, 'fresh', repo.url));
    for (let i = 0; i < 5; i++) await sim.tick();
    expect(await getApp(custom, 'store-fresh')).toBeUndefined();
    await custom.patchNamespacedCustomObject(
      { group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: 'stores-root', body: [{ op: 'add', path: '/metadata/annotations', value: { 'argocd.argoproj.io/refresh': 'normal' } }] },
    );
    const app = await waitFor('store-fresh Healthy', async () => {
      const a = await getApp(custom, 'store-fresh');
      return a?.status?.health?.status === 'Healthy' ? a : undefined;
    });
    expect(app.metadata.name).toBe('store-fresh');
    expect((await getApp(custom, 'stores-root'))?.metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();
  });

  it("reports its own time and helm runs at /sim/v1/stats; a commit outside a store's folder renders it from the cache, not helm", async () => {
    const { repo, sim, kc, custom } = await setup();
    const stats = async () => {
      const ca = Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64');
      return new Promise<any>((resolve, reject) => {
        const req = request(`${sim.url}/sim/v1/stats`, { ca, headers: { Authorization: `Bearer ${sim.token}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        });
        req.on('error', reject);
        req.end();
      });
    };
    repo.commit(await storeFiles(kc, 'cached', repo.url));
    await waitFor('Healthy', async () => (await getApp(custom, 'store-cached'))?.status?.health?.status === 'Healthy');
    const before = await stats();
    expect(before.helm.runs).toBeGreaterThan(0);
    expect(before.time.helmMs).toBeGreaterThan(0);
    expect(before.time.argocdMs).toBeGreaterThanOrEqual(before.time.renderMs);
    const sha = repo.commit({ 'stores/README.md': 'not a store\n' });
    await waitFor('the new revision', async () => (await getApp(custom, 'store-cached'))?.status?.sync?.revision === sha);
    const after = await stats();
    expect(after.helm.runs).toBe(before.helm.runs);
    expect(after.helm.cacheHits).toBeGreaterThan(before.helm.cacheHits);
  });

  it('keeps the simulated cluster across a restart with the same state directory', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sim-state-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const repo = createGitopsRepo({ chartDir });
    cleanups.push(() => repo.cleanup());
    const first = await startSim({ ...FAST, pollMs: 150, repoURL: repo.url, stateDir });
    const kc1 = new k8s.KubeConfig();
    kc1.loadFromFile(first.kubeconfigPath);
    repo.commit(await storeFiles(kc1, 'kept', repo.url));
    await waitFor('Healthy', async () => (await getApp(kc1.makeApiClient(k8s.CustomObjectsApi), 'store-kept'))?.status?.health?.status === 'Healthy');
    const cert = first.sealingCertPem();
    await first.stop();
    const second = await startSim({ ...FAST, pollMs: 150, repoURL: repo.url, stateDir, tickMs: 3_600_000 });
    cleanups.push(() => second.stop());
    const kc2 = new k8s.KubeConfig();
    kc2.loadFromFile(second.kubeconfigPath);
    expect(second.token).toBe(first.token);
    expect(second.sealingCertPem()).toBe(cert);
    const app = await getApp(kc2.makeApiClient(k8s.CustomObjectsApi), 'store-kept');
    expect(app?.status?.health?.status).toBe('Healthy');
    for (let i = 0; i < 3; i++) await second.tick();
    const pods = await kc2.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'store-kept', labelSelector: 'app.kubernetes.io/name=wordpress' });
    expect(pods.items.length).toBe(1);
    expect(pods.items[0]?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect((await getApp(kc2.makeApiClient(k8s.CustomObjectsApi), 'store-kept'))?.status?.health?.status).toBe('Healthy');
  });

  it('syncs from a GitOps repo served over HTTP by git http-backend', async () => {
    let http: { url: string; close(): Promise<void> } | undefined;
    const repo = createGitopsRepo({ chartDir });
    cleanups.push(() => repo.cleanup());
    http = await startGitHttpServer({ projectRoot: dirname(repo.bare) });
    cleanups.push(() => http?.close());
    const url = `${http.url}/gitops.git`;
    // The repo names itself by its HTTP URL, as the platform will write it.
    repo.commit({ 'apps/root.yaml': stringify(rootApp(url)), 'projects/stores.yaml': stringify(storesProject(url)) });
    const sim = await startSim({ ...FAST, pollMs: 150, repoURL: url });
    cleanups.push(() => sim.stop());
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const sha = repo.commit(await storeFiles(kc, 'remote', url));
    const app = await waitFor('Healthy over HTTP', async () => {
      const a = await getApp(kc.makeApiClient(k8s.CustomObjectsApi), 'store-remote');
      return a?.status?.health?.status === 'Healthy' ? a : undefined;
    });
    expect(app.status.sync.revision).toBe(sha);
  });
});
