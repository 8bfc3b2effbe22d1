/**
 * Acceptance with the real store chart (charts/woocommerce-store) as the platform will use it: a real
 * bare GitOps repo, the real helm binary, values sealed with the renderer's kubeseal-format sealing
 * against the sim's certificate (fetched like `kubeseal --fetch-cert`), read back with client-node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { stringify } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import type { Sim } from '../src/sim.ts';
import { REPO_ROOT } from '../src/render-manifests.ts';
import { sealSecrets } from '../../renderer/src/seal.ts';
import { fetchSealingCert } from '../../api/src/features/provisioning/sealing-cert.ts';
import { createGitopsRepo, storeApplication, type GitopsRepo, startTestSim } from './gitops-repo-fixture.ts';
import { waitFor } from './wait-for.ts';

const SECRET_KEYS = [
  'mysql-root-password', 'mysql-password', 'wordpress-admin-user', 'wordpress-admin-password',
  'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT',
];

type App = { status?: any };

describe('sim with the real woocommerce-store chart', () => {
  let sim: Sim;
  let repo: GitopsRepo;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let certPem: string;

  beforeAll(async () => {
    repo = createGitopsRepo({ chartDir: join(REPO_ROOT, 'charts', 'woocommerce-store') });
    sim = await startTestSim(repo.url, { timeScale: 0.001 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    certPem = await fetchSealingCert(kc);
  });

  afterAll(async () => {
    await sim?.stop();
    repo?.cleanup();
  });

  const app = async (name: string) =>
    (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name })) as App;

  const values = (id: string, sealNamespace = `store-${id}`) => ({
    store: { id, name: `shop-${id.slice(0, 4)}`, domain: `${id.slice(0, 8)}.shops.example.com`, owner: 'user-1' },
    secrets: {
      sealed: {
        enabled: true,
        encryptedData: sealSecrets(certPem, sealNamespace, 'store-secrets', Object.fromEntries(SECRET_KEYS.map((k) => [k, `value-of-${k}`]))),
      },
    },
  });

  const commitStore = (id: string, v: unknown, overrides?: unknown) =>
    repo.commit({
      [`stores/${id}/application.yaml`]: stringify(storeApplication(id, repo.url)),
      [`stores/${id}/values.yaml`]: stringify(v),
      ...(overrides ? { [`stores/${id}/overrides.yaml`]: stringify(overrides) } : {}),
    });

  it('brings a store with valid sealed values to Synced/Healthy with every pod Ready', async () => {
    const id = '1b2c3d4e-0000-4000-8000-000000000001';
    const sha = commitStore(id, values(id));
    const a = await waitFor(
      'store Healthy',
      async () => {
        const x = await app(`store-${id}`).catch(() => undefined);
        return x?.status?.health?.status === 'Healthy' && x.status.sync?.status === 'Synced' ? x : undefined;
      },
      30_000,
    );
    expect(a.status.sync.revision).toBe(sha);
    expect(a.status.operationState.message).toBe('successfully synced (all tasks run)');
    const pods = await core.listNamespacedPod({ namespace: `store-${id}`, labelSelector: `store-platform.io/store-id=${id}` });
    const running = pods.items.filter((p) => p.status?.phase === 'Running');
    expect(running.map((p) => p.metadata?.labels?.['app.kubernetes.io/component']).sort()).toEqual(['mysql', 'wordpress']);
    for (const p of running) expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const setup = pods.items.filter((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'setup');
    expect(setup.every((p) => p.status?.phase === 'Succeeded')).toBe(true);
  });

  it('refuses pods over the LimitRange maximum set through overrides.yaml and turns the store Degraded', async () => {
    const id = '1b2c3d4e-0000-4000-8000-000000000002';
    commitStore(id, values(id), { wordpress: { resources: { limits: { cpu: '4' } } } });
    const a = await waitFor('store Degraded', async () => {
      const x = await app(`store-${id}`).catch(() => undefined);
      return x?.status?.health?.status === 'Degraded' || x?.status?.operationState?.phase === 'Failed' ? x : undefined;
    }, 30_000);
    expect(a.status.health.status).not.toBe('Healthy');
    const deploy = await apps.readNamespacedDeployment({ namespace: `store-${id}`, name: 'store-wordpress' });
    expect(deploy.status?.conditions?.find((c) => c.type === 'ReplicaFailure')?.message).toMatch(
      /^pods "store-wordpress-[a-z0-9]+-[a-z0-9]+" is forbidden: maximum cpu usage per Container is 2, but limit is 4$/,
    );
  });

  it('stops at the SealedSecret wave when values were sealed for another namespace: no Secret, never Healthy', async () => {
    const id = '1b2c3d4e-0000-4000-8000-000000000003';
    commitStore(id, values(id, 'store-someone-else'));
    const a = await waitFor('sync failed', async () => {
      const x = await app(`store-${id}`).catch(() => undefined);
      return x?.status?.operationState?.phase === 'Failed' ? x : undefined;
    }, 30_000);
    expect(a.status.operationState.message).toMatch(/^one or more synchronization tasks completed unsuccessfully, reason: no key could decrypt secret \(/);
    expect(a.status.health.status).toBe('Degraded');
    await expect(core.readNamespacedSecret({ namespace: `store-${id}`, name: 'store-secrets' })).rejects.toMatchObject({ code: 404 });
  });

  it('deletes a removed store: the Application goes, the namespace goes with the PVCs Argo CD keeps (helm.sh/resource-policy: keep)', async () => {
    const id = '1b2c3d4e-0000-4000-8000-000000000001';
    const ns = `store-${id}`;
    expect((await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.length).toBe(2);
    repo.commit({ [`stores/${id}`]: null }, 'Delete store');
    await waitFor('namespace gone', async () => core.readNamespace({ name: ns }).then(() => false, (e: { code?: number }) => e.code === 404), 30_000);
    await waitFor('Application gone', async () => (await app(`store-${id}`).catch(() => undefined)) === undefined, 30_000);
    expect(sim.store.listNamespace(ns)).toEqual([]);
  });
});
