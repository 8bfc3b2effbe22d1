/**
 * Sim benchmark: N stores of the real chart committed at once → time until all are Synced/Healthy,
 * controller pass duration, and the cost of the platform's status poll (one labelled list of all
 * Applications). Run: `npx node sim/bench/scale.ts [stores=30]`.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import { startSim } from '../src/sim.ts';
import { REPO_ROOT } from '../src/render-manifests.ts';
import { sealSecrets } from '../../renderer/src/seal.ts';
import { createGitopsRepo, storeApplication } from '../test/gitops-repo-fixture.ts';

const n = Number(process.argv[2] ?? 30);
const KEYS = ['mysql-root-password', 'mysql-password', 'wordpress-admin-user', 'wordpress-admin-password', 'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'];
const repo = createGitopsRepo({ chartDir: join(REPO_ROOT, 'charts', 'woocommerce-store') });
const sim = await startSim({ repoURL: repo.url, pollMs: 1000, tickMs: 50, sealingKeyBits: 2048, timings: { podStartMs: 100, podReadyMs: 200, jobCompleteMs: 200, pvcBindMs: 50, ingressAddressMs: 50, certificateReadyMs: 100, timeScale: 0.01 } });
const kc = new k8s.KubeConfig();
kc.loadFromFile(sim.kubeconfigPath);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const files: Record<string, string> = {};
for (let i = 0; i < n; i++) {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  files[`stores/${id}/application.yaml`] = stringify(storeApplication(id, repo.url));
  files[`stores/${id}/values.yaml`] = stringify({
    store: { id, name: `shop-${i}`, domain: `shop-${i}.example.com`, owner: 'u' },
    secrets: { sealed: { enabled: true, encryptedData: sealSecrets(sim.sealingCertPem(), `store-${id}`, 'store-secrets', Object.fromEntries(KEYS.map((k) => [k, `v-${k}`]))) } },
  });
}
const t0 = performance.now();
repo.commit(files, `Add ${n} stores`);
await sim.refresh();
const passTimes: number[] = [];
for (;;) {
  const t = performance.now();
  await sim.tick();
  passTimes.push(performance.now() - t);
  const list = (await custom.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', labelSelector: 'store-platform.io/store-id' })) as { items: { status?: { health?: { status?: string }; sync?: { status?: string } } }[] };
  const healthy = list.items.filter((a) => a.status?.health?.status === 'Healthy' && a.status.sync?.status === 'Synced').length;
  if (healthy === n) break;
  if (performance.now() - t0 > 300_000) throw new Error(`only ${healthy}/${n} healthy after 300 s`);
}
const allHealthyMs = performance.now() - t0;
const steady: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await sim.tick();
  steady.push(performance.now() - t);
}
const lists: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  await custom.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', labelSelector: 'store-platform.io/managed-by=store-platform' });
  lists.push(performance.now() - t);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]?.toFixed(1);
console.log(JSON.stringify({ stores: n, allHealthyMs: Math.round(allHealthyMs), helmRenders: sim.argocd.renders, objects: sim.store.all().length, busyPassMedianMs: median(passTimes), steadyPassMedianMs: median(steady), statusListMedianMs: median(lists) }));
await sim.stop();
repo.cleanup();
