import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../sim/src/sim.ts';
import { requestRefresh } from '../../api/src/features/provisioning/argo-refresh.ts';
import { GitWriter } from './git-writer.ts';
import { renderStore, STORE_SECRET_KEYS, STORE_SECRET_NAME } from '../../renderer/src/render-store.ts';
import { loadRepoTemplate } from '../../renderer/src/repo-template.ts';
import { sealSecrets } from '../../renderer/src/seal.ts';
import { fetchSealingCert } from '../../api/src/features/provisioning/sealing-cert.ts';
import { createBareRepo } from '../test/support/git-http-server.ts';

// Everything this folder makes, end to end against the sim (the local Argo CD + API server stand-in):
// template → init → fetch cert → seal → render → commit → root app creates the Application → sync
// unseals the Secret → delete the folder → the Application goes.
const exec = promisify(execFile);
let root: string;
let repo: string;
let sim: Sim;
let writer: GitWriter;
let kc: KubeConfig;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gitops-pipeline-'));
  repo = await createBareRepo(root, 'gitops.git');
  writer = new GitWriter({ remote: repo });
  await writer.init(await loadRepoTemplate({ repoUrl: repo, targetRevision: 'main' }));
  sim = await startSim({ repoURL: repo, repoRevision: 'main', sealingKeyBits: 2048, pollMs: 100_000 });
  kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
});
afterAll(async () => {
  await sim?.stop();
  await writer?.close();
  await rm(root, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sim.refresh();
    await sim.tick();
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('GitOps pipeline (renderer + sealing + GitWriter) against the sim', () => {
  it('a committed store becomes an Application whose sync unseals exactly our secrets, and deleting its folder removes it and its namespace', async () => {
    const cert = await fetchSealingCert(kc);
    expect(cert).toBe(sim.sealingCertPem());

    const id = randomUUID();
    const ns = `store-${id}`;
    const plain = Object.fromEntries(STORE_SECRET_KEYS.map((k) => [k, randomBytes(24).toString('base64url')]));
    const sealed = sealSecrets(cert, ns, STORE_SECRET_NAME, plain);
    const files = renderStore(
      { id, name: 'Pipeline Shop', domain: 'pipeline.example.com', ownerId: 'owner-1', sealedSecrets: sealed },
      { repoUrl: repo, targetRevision: 'main' },
    );
    const { sha } = await writer.apply(files, `Add store ${id}`);

    const apps = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const getApp = () => apps.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: ns });
    await until('the Application', async () => (await getApp()) ?? undefined);
    expect(await requestRefresh(kc, { name: ns })).toBe(true);

    const synced = await until('sync at our commit', async () => {
      const app = (await getApp()) as { status?: { sync?: { status?: string; revision?: string } } };
      return app.status?.sync?.status === 'Synced' ? app : undefined;
    });
    expect(synced.status?.sync?.revision).toBe(sha);

    const secret = await until('the unsealed Secret', () => core.readNamespacedSecret({ namespace: ns, name: STORE_SECRET_NAME }));
    const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    expect(data).toEqual(plain);

    // No generated value is in the repo's history in clear text (every blob of every commit).
    const { stdout: objects } = await exec('git', ['rev-list', '--objects', '--all'], { cwd: repo });
    let blobs = 0;
    for (const oid of objects
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter(Boolean)) {
      const { stdout: type } = await exec('git', ['cat-file', '-t', oid!], { cwd: repo });
      if (type.trim() !== 'blob') continue;
      blobs++;
      const { stdout: content } = await exec('git', ['cat-file', 'blob', oid!], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
      for (const value of Object.values(plain)) expect(content.includes(value)).toBe(false);
    }
    expect(blobs).toBeGreaterThan(10);

    await writer.apply([{ path: `stores/${id}`, content: null }], `Delete store ${id}`);
    await until('the Application to be gone', async () =>
      (await getApp().then(
        () => true,
        () => false,
      ))
        ? undefined
        : true,
    );
    // Its resources finalizer took the chart's Namespace with it (no CreateNamespace leftovers).
    await until('the namespace to be gone', async () =>
      (await core.readNamespace({ name: ns }).then(
        () => true,
        () => false,
      ))
        ? undefined
        : true,
    );
  }, 180_000);
});
