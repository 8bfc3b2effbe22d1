/**
 * Acceptance of the store chart under (simulated) Argo CD: a real bare GitOps repo, the real helm, the
 * sim's Argo CD controller and API server, read back with client-node like the platform does.
 *
 * - The seven inputs that used to keep the setup Job's name with a new pod template: each is changed the
 *   documented way (stores/<id>/overrides.yaml; the release name in application.yaml), synced, and the
 *   store stays Healthy while setup runs again with the new template.
 * - The same changes with chart 0.4.3 (a copy kept in fixtures/) fail the sync with the API server's
 *   `field is immutable` — the defect the hook fixes, caught by the sim.
 * - A failed setup run fails the sync before the Ingress; lifting the fault and retrying the sync runs
 *   setup again and brings the Ingress.
 *
 * Needs a sim that knows Traefik's Middleware kind (traefik.io/v1alpha1): the chart renders one per store.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { sealSecrets } from '../../renderer/src/seal.ts';
import { fetchSealingCert } from '../../api/src/features/provisioning/sealing-cert.ts';
import type { Sim } from '../../sim/src/sim.ts';
import { createGitopsRepo, storeApplication, type GitopsRepo, startTestSim } from '../../sim/test/gitops-repo-fixture.ts';
import { waitFor } from '../../sim/test/wait-for.ts';
import { storeChartDir } from './render-chart.ts';

const SECRET_KEYS = [
  'mysql-root-password', 'mysql-password', 'wordpress-admin-user', 'wordpress-admin-password',
  'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT',
];
/** Where the repo vendors chart 0.4.3 (the chart before setup became a hook). */
const OLD_CHART_PATH = 'charts/woocommerce-store-0.4.3';
const OLD_CHART_DIR = join(import.meta.dirname, 'fixtures', 'woocommerce-store-0.4.3');

type Obj = Record<string, any>;
type PodTemplate = { metadata?: Obj; spec?: Obj };

/** One input of the setup pod template, the change to it, and how the new template shows it. */
interface InputChange {
  input: string;
  overrides?: Obj;
  releaseName?: string;
  shows: (template: PodTemplate) => unknown;
  expected: unknown;
}

const setupContainer = (t: PodTemplate) => (t.spec?.containers as Obj[]).find((c) => c.name === 'setup')!;
const envOf = (t: PodTemplate, name: string) => (setupContainer(t).env as Obj[]).find((e) => e.name === name)?.value;

const INPUTS: InputChange[] = [
  { input: 'owner', overrides: { store: { owner: 'user-2' } }, shows: (t) => t.metadata?.labels?.['store-platform.io/owner'], expected: 'user-2' },
  {
    input: 'wordpress.configExtra',
    overrides: { wordpress: { configExtra: "define('WP_MEMORY_LIMIT', '256M');" } },
    shows: (t) => String(envOf(t, 'WORDPRESS_CONFIG_EXTRA')).includes("define('WP_MEMORY_LIMIT', '256M');"),
    expected: true,
  },
  { input: 'podAnnotations', overrides: { podAnnotations: { 'example.com/team': 'shops' } }, shows: (t) => t.metadata?.annotations?.['example.com/team'], expected: 'shops' },
  { input: 'imagePullSecrets', overrides: { imagePullSecrets: ['registry-credentials'] }, shows: (t) => t.spec?.imagePullSecrets, expected: [{ name: 'registry-credentials' }] },
  {
    input: 'MySQL user/database',
    overrides: { mysql: { user: 'shop', database: 'shop' } },
    shows: (t) => [envOf(t, 'WORDPRESS_DB_USER'), envOf(t, 'WORDPRESS_DB_NAME')],
    expected: ['shop', 'shop'],
  },
  {
    input: 'WordPress nodeSelector/tolerations',
    overrides: { wordpress: { nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ key: 'shops', operator: 'Exists', effect: 'NoSchedule' }] } },
    shows: (t) => [t.spec?.nodeSelector, t.spec?.tolerations],
    expected: [{ 'kubernetes.io/os': 'linux' }, [{ key: 'shops', operator: 'Exists', effect: 'NoSchedule' }]],
  },
  { input: 'release name', releaseName: 'shop-renamed', shows: (t) => t.metadata?.labels?.['app.kubernetes.io/instance'], expected: 'shop-renamed' },
];

/** Every file of a directory, as repo paths under `prefix` → content. */
function filesOf(dir: string, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[`${prefix}/${relative(dir, p)}`] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('the store chart under Argo CD (sim)', () => {
  let sim: Sim;
  let repo: GitopsRepo;
  let custom: k8s.CustomObjectsApi;
  let batch: k8s.BatchV1Api;
  let net: k8s.NetworkingV1Api;
  let scaling: k8s.AutoscalingV2Api;
  let certPem: string;

  beforeAll(async () => {
    repo = createGitopsRepo({ chartDir: storeChartDir });
    repo.commit(filesOf(OLD_CHART_DIR, OLD_CHART_PATH), 'Vendor chart 0.4.3');
    // Spec durations at 1/50 (progress deadlines of 6-12 s, back-offs well under a second): at 1/1000 a
    // loaded machine turned a slow Deployment Degraded after 0.3 s, which is not what these tests prove.
    sim = await startTestSim(repo.url, { podStartMs: 30, podReadyMs: 60, jobCompleteMs: 60, certificateReadyMs: 30, timeScale: 0.02 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    net = kc.makeApiClient(k8s.NetworkingV1Api);
    scaling = kc.makeApiClient(k8s.AutoscalingV2Api);
    certPem = await fetchSealingCert(kc);
  });

  afterAll(async () => {
    await sim?.stop();
    repo?.cleanup();
  });

  const app = async (id: string): Promise<Obj | undefined> =>
    (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: `store-${id}` }).catch(() => undefined)) as Obj | undefined;

  const values = (id: string) => ({
    store: { id, name: `shop-${id.slice(-4)}`, domain: `${id.slice(-8)}.shops.example.com`, owner: 'user-1' },
    secrets: {
      sealed: { enabled: true, encryptedData: sealSecrets(certPem, `store-${id}`, 'store-secrets', Object.fromEntries(SECRET_KEYS.map((k) => [k, `value-of-${k}`]))) },
    },
  });

  /** Commits stores/<id>/ as the platform and an operator write it; returns the commit. */
  const commitStore = (id: string, options: { overrides?: Obj; releaseName?: string; chartPath?: string } = {}) => {
    const application = storeApplication(id, repo.url) as Obj;
    if (options.chartPath) application.spec.source.path = options.chartPath;
    if (options.releaseName) application.spec.source.helm.releaseName = options.releaseName;
    return repo.commit({
      [`stores/${id}/application.yaml`]: stringify(application),
      [`stores/${id}/values.yaml`]: stringify(values(id)),
      [`stores/${id}/overrides.yaml`]: options.overrides ? stringify(options.overrides) : null,
    }, `Store ${id}`);
  };

  /** The sync of `sha` ended (Succeeded or Failed); returns the Application. */
  const synced = (id: string, sha: string, phase: 'Succeeded' | 'Failed') =>
    waitFor(`store-${id} sync of ${sha.slice(0, 7)} ${phase}`, async () => {
      const a = await app(id);
      const op = a?.status?.operationState;
      if (op?.syncResult?.revision !== sha || op.phase !== phase) return undefined;
      if (phase === 'Succeeded' && (a!.status.health?.status !== 'Healthy' || a!.status.sync?.status !== 'Synced')) return undefined;
      return a;
    }, 60_000);

  const setupJob = (id: string) => batch.readNamespacedJob({ namespace: `store-${id}`, name: 'store-setup' });

  for (const [i, change] of INPUTS.entries()) {
    it(`re-runs setup and stays Healthy when ${change.input} changes`, { timeout: 150_000 }, async () => {
      const id = `5e7a0000-0000-4000-8000-00000000010${i}`;
      const first = commitStore(id);
      await synced(id, first, 'Succeeded');
      const before = await setupJob(id);
      expect(before.status?.succeeded).toBe(1);
      expect(change.shows(before.spec!.template as PodTemplate)).not.toEqual(change.expected);

      const second = commitStore(id, change.releaseName ? { releaseName: change.releaseName } : { overrides: change.overrides });
      const after = await synced(id, second, 'Succeeded');
      expect(after.status.operationState.message).toBe('successfully synced (all tasks run)');
      const job = await setupJob(id);
      // Setup ran again: a new Job (BeforeHookCreation), finished, with the changed pod template.
      expect(job.metadata?.uid).not.toBe(before.metadata?.uid);
      expect(job.status?.succeeded).toBe(1);
      expect(change.shows(job.spec!.template as PodTemplate)).toEqual(change.expected);
      const results = after.status.operationState.syncResult.resources as Obj[];
      expect(results.find((r) => r.kind === 'Job' && r.name === 'store-setup')).toMatchObject({ hookType: 'Sync', status: 'Synced' });
    });
  }

  // Argo CD leaves hooks out of its diff and auto-syncs only an OutOfSync app: a change that touches the
  // setup hook alone would never run it again, were it not for the checksum the chart puts on a compared
  // object (the scripts ConfigMap). The WooCommerce pin is such an input: it must upgrade the store.
  it('re-runs setup when only the setup hook changes (the WooCommerce pin)', { timeout: 150_000 }, async () => {
    const id = '5e7a0000-0000-4000-8000-000000000400';
    const first = commitStore(id);
    await synced(id, first, 'Succeeded');
    const before = await setupJob(id);
    expect(envOf(before.spec!.template as PodTemplate, 'WOOCOMMERCE_VERSION')).not.toBe('10.9.0');
    const second = commitStore(id, { overrides: { setup: { woocommerceVersion: '10.9.0' } } });
    await synced(id, second, 'Succeeded');
    const job = await setupJob(id);
    expect(job.metadata?.uid).not.toBe(before.metadata?.uid);
    expect(job.status?.succeeded).toBe(1);
    expect(envOf(job.spec!.template as PodTemplate, 'WOOCOMMERCE_VERSION')).toBe('10.9.0');
  });

  // Chart 0.4.3 named its setup Job after some inputs only: each of these changes keeps the name with a
  // new pod template, which the API server refuses. (Passes with a sim that enforces Job immutability.)
  for (const [i, change] of INPUTS.entries()) {
    it(`chart 0.4.3 fails the sync with "field is immutable" when ${change.input} changes`, { timeout: 150_000 }, async () => {
      const id = `5e7a0000-0000-4000-8000-00000000020${i}`;
      const first = commitStore(id, { chartPath: OLD_CHART_PATH });
      await synced(id, first, 'Succeeded');
      const jobName = (await batch.listNamespacedJob({ namespace: `store-${id}` })).items[0]!.metadata!.name!;
      expect(jobName).toMatch(/^store-setup-[0-9a-f]{10}$/);

      const second = commitStore(id, { chartPath: OLD_CHART_PATH, ...(change.releaseName ? { releaseName: change.releaseName } : { overrides: change.overrides }) });
      const failed = await synced(id, second, 'Failed');
      expect(failed.status.operationState.message).toContain(`Job.batch "${jobName}" is invalid: spec.template`);
      expect(failed.status.operationState.message).toContain('field is immutable');
    });
  }

  it('a failed setup run fails the sync before the Ingress; after the fault is lifted a retry runs setup again and brings the Ingress', { timeout: 150_000 }, async () => {
    const id = '5e7a0000-0000-4000-8000-000000000300';
    const ns = `store-${id}`;
    const fault = sim.faults.add({ type: 'crashLoop', namespace: ns, container: 'setup' });
    const sha = commitStore(id, { overrides: { setup: { backoffLimit: 1 } } });
    const failed = await synced(id, sha, 'Failed');
    // Error with the reason, as the platform shows it: the hook's failure.
    expect(failed.status.operationState.message).toMatch(/^one or more synchronization tasks completed unsuccessfully.*Job has reached the specified backoff limit/);
    const failedJob = await setupJob(id);
    expect(failedJob.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    await expect(net.readNamespacedIngress({ namespace: ns, name: 'store-wordpress' })).rejects.toMatchObject({ code: 404 });
    // A failed automated sync is not retried for the same commit; nothing changes while nobody acts.
    for (let n = 0; n < 5; n++) await sim.refresh();
    expect((await app(id))?.status.operationState.phase).toBe('Failed');

    sim.faults.remove(fault.id);
    await custom.patchNamespacedCustomObject({
      group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: `store-${id}`,
      body: [{ op: 'add', path: '/operation', value: { sync: { revision: sha }, initiatedBy: { username: 'admin' } } }],
    });
    await waitFor('retried sync Succeeded and Healthy', async () => {
      const a = await app(id);
      const op = a?.status?.operationState;
      return op?.phase === 'Succeeded' && op.operation?.initiatedBy?.username === 'admin' && a!.status.health?.status === 'Healthy' ? a : undefined;
    }, 60_000);
    const job = await setupJob(id);
    expect(job.metadata?.uid).not.toBe(failedJob.metadata?.uid);
    expect(job.status?.succeeded).toBe(1);
    // The wave after setup is applied: the Ingress (with its redirect Middlewares) and the HPA.
    await batch.readNamespacedCronJob({ namespace: ns, name: 'store-cron' });
    const hpa = await scaling.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'store-wordpress' });
    expect(hpa.spec?.maxReplicas).toBe(5);
    const ingress = await net.readNamespacedIngress({ namespace: ns, name: 'store-wordpress' });
    expect(ingress.metadata?.annotations?.['traefik.ingress.kubernetes.io/router.middlewares']).toBe(`${ns}-store-redirect-https@kubernetescrd,${ns}-store-hsts@kubernetescrd`);
  });
});
