/**
 * Argo CD's sync with Jobs, hooks and immutable fields, as a real Argo CD + API server behave: a plain
 * Job is never recreated (a changed template fails the sync with the API server's `field is immutable`),
 * hooks are deleted and recreated with BeforeHookCreation (the default), HookSucceeded / HookFailed are
 * honoured, and a failed hook fails the operation before later waves are applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import type { Sim } from '../src/sim.ts';
import { createGitopsRepo, type GitopsRepo, startTestSim } from './gitops-repo-fixture.ts';
import { waitFor } from './wait-for.ts';

const chartDir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'mini-store');

type App = { metadata: { name: string }; status?: any };

const restricted = {
  restartPolicy: 'Never',
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
};
const container = (name: string, image: string) => ({
  name,
  image,
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
});

function job(name: string, image: string, annotations: Record<string, string> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, annotations },
    spec: { backoffLimit: 0, template: { spec: { ...restricted, containers: [container('run', image)] } } },
  };
}

const configMap = (name: string, wave: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } }, data: { a: '1' } });

describe('Argo CD sync with Jobs and hooks (sim)', () => {
  let sim: Sim;
  let repo: GitopsRepo;
  let custom: k8s.CustomObjectsApi;
  let batch: k8s.BatchV1Api;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    repo = createGitopsRepo({ chartDir });
    sim = await startTestSim(repo.url, { namespaceTerminationMs: 600 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterAll(async () => {
    await sim?.stop();
    repo?.cleanup();
  });

  const getApp = async (name: string): Promise<App | undefined> => {
    try {
      return (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name })) as App;
    } catch {
      return undefined;
    }
  };

  /** A store Application over a plain directory of manifests (Argo CD's Directory source). */
  const commitApp = (id: string, objects: unknown[]) =>
    repo.commit(
      {
        [`stores/${id}/application.yaml`]: stringify({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name: `store-${id}`, namespace: 'argocd' },
          spec: {
            project: 'stores',
            source: { repoURL: repo.url, targetRevision: 'main', path: `manifests/${id}` },
            destination: { server: 'https://kubernetes.default.svc', namespace: `store-${id}` },
            syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
          },
        }),
        [`manifests/${id}/all.yaml`]: objects.map((o) => stringify(o)).join('---\n'),
      },
      `store ${id}`,
    );

  const finished = (name: string, sha: string, phase: 'Succeeded' | 'Failed') =>
    waitFor(`${name} ${phase} at ${sha.slice(0, 7)}`, async () => {
      const a = await getApp(name);
      const s = a?.status?.operationState;
      return s?.phase === phase && s.syncResult?.revision === sha ? a : undefined;
    });

  it('fails the sync with the API server wording when a plain Job changes its template, and never recreates the Job', async () => {
    const first = commitApp('job1', [job('setup', 'busybox:1')]);
    await finished('store-job1', first, 'Succeeded');
    const uid = (await batch.readNamespacedJob({ namespace: 'store-job1', name: 'setup' })).metadata?.uid;
    const second = commitApp('job1', [job('setup', 'busybox:2')]);
    const app = await finished('store-job1', second, 'Failed');
    expect(app?.status.operationState.message).toBe(
      'one or more objects failed to apply (dry run), reason: Job.batch "setup" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable',
    );
    const live = await batch.readNamespacedJob({ namespace: 'store-job1', name: 'setup' });
    expect(live.metadata?.uid).toBe(uid);
    expect(live.spec?.template.spec?.containers[0]?.image).toBe('busybox:1');
  });

  it('deletes and recreates a Sync hook (BeforeHookCreation, the default) on every sync, so a changed template re-runs it', async () => {
    const first = commitApp('hook1', [job('setup', 'busybox:1', { 'argocd.argoproj.io/hook': 'Sync' }), configMap('after', 1)]);
    await finished('store-hook1', first, 'Succeeded');
    const before = await batch.readNamespacedJob({ namespace: 'store-hook1', name: 'setup' });
    expect(before.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);
    // Hooks are not part of the comparison: a change to the hook alone leaves the app Synced, and
    // automated sync only runs for an OutOfSync app (argo-cd controller/appcontroller.go autoSync).
    const hookOnly = commitApp('hook1', [job('setup', 'busybox:2', { 'argocd.argoproj.io/hook': 'Sync' }), configMap('after', 1)]);
    await waitFor('revision seen', async () => ((await getApp('store-hook1'))?.status?.sync?.revision === hookOnly ? true : undefined));
    const synced = await getApp('store-hook1');
    expect(synced?.status.sync.status).toBe('Synced');
    expect(synced?.status.operationState.syncResult.revision).toBe(first);
    const changed = configMap('after', 1);
    changed.data = { a: '2' };
    const second = commitApp('hook1', [job('setup', 'busybox:2', { 'argocd.argoproj.io/hook': 'Sync' }), changed]);
    const app = await finished('store-hook1', second, 'Succeeded');
    const after = await batch.readNamespacedJob({ namespace: 'store-hook1', name: 'setup' });
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    expect(after.spec?.template.spec?.containers[0]?.image).toBe('busybox:2');
    const result = app?.status.operationState.syncResult.resources.find((r: { kind: string }) => r.kind === 'Job');
    expect(result).toMatchObject({ hookType: 'Sync', hookPhase: 'Succeeded', syncPhase: 'Sync' });
  });

  it('maps helm.sh/hook post-install with hook-succeeded: the hook runs after the resources and is deleted once it succeeded', async () => {
    const sha = commitApp('hook2', [job('migrate', 'busybox:1', { 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-delete-policy': 'hook-succeeded' }), configMap('config', 0)]);
    const app = await finished('store-hook2', sha, 'Succeeded');
    const result = app?.status.operationState.syncResult.resources.find((r: { kind: string }) => r.kind === 'Job');
    expect(result).toMatchObject({ hookType: 'PostSync', hookPhase: 'Succeeded' });
    await expect(batch.readNamespacedJob({ namespace: 'store-hook2', name: 'migrate' })).rejects.toMatchObject({ code: 404 });
    expect((await core.readNamespacedConfigMap({ namespace: 'store-hook2', name: 'config' })).data).toEqual({ a: '1' });
  });

  it('fails the operation on a failed hook: later waves are not applied, HookFailed deletes the hook and the SyncFail hook runs', async () => {
    sim.faults.add({ type: 'crashLoop', namespace: 'store-hook3', container: 'run' });
    const sha = commitApp('hook3', [
      job('setup', 'busybox:1', { 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed', 'argocd.argoproj.io/sync-wave': '1' }),
      job('on-failure', 'busybox:1', { 'argocd.argoproj.io/hook': 'SyncFail' }),
      configMap('before', 0),
      configMap('later', 2),
    ]);
    const app = await finished('store-hook3', sha, 'Failed');
    expect(app?.status.operationState.message).toBe('one or more synchronization tasks completed unsuccessfully, reason: Job has reached the specified backoff limit');
    const result = app?.status.operationState.syncResult.resources.find((r: { name: string }) => r.name === 'setup');
    expect(result).toMatchObject({ hookType: 'Sync', hookPhase: 'Failed', status: 'SyncFailed' });
    expect((await core.readNamespacedConfigMap({ namespace: 'store-hook3', name: 'before' })).data).toEqual({ a: '1' });
    await expect(core.readNamespacedConfigMap({ namespace: 'store-hook3', name: 'later' })).rejects.toMatchObject({ code: 404 });
    await expect(batch.readNamespacedJob({ namespace: 'store-hook3', name: 'setup' })).rejects.toMatchObject({ code: 404 });
    expect((await batch.readNamespacedJob({ namespace: 'store-hook3', name: 'on-failure' })).metadata?.annotations?.['argocd.argoproj.io/hook']).toBe('SyncFail');
    sim.faults.clear();
  });

  it('serves and syncs a CronJob, a PodDisruptionBudget and a Traefik Middleware; the PDB gets the disruption controller status and the app is Healthy', async () => {
    const labels = { app: 'web' };
    const sha = commitApp('kinds1', [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container('web', 'nginx:1')] } } } },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: labels } } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { ...restricted, containers: [container('run', 'busybox:1')] } } } } } },
      { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'redirect-https' }, spec: { redirectScheme: { scheme: 'https', permanent: true } } },
    ]);
    await finished('store-kinds1', sha, 'Succeeded');
    const app = await waitFor('store-kinds1 Healthy', async () => {
      const a = await getApp('store-kinds1');
      return a?.status?.health?.status === 'Healthy' ? a : undefined;
    });
    expect(app.status.sync.status).toBe('Synced');
    const pdb = (await custom.getNamespacedCustomObject({ group: 'policy', version: 'v1', namespace: 'store-kinds1', plural: 'poddisruptionbudgets', name: 'web' })) as { status: Record<string, unknown> };
    expect(pdb.status).toMatchObject({ expectedPods: 2, currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1, conditions: [expect.objectContaining({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' })] });
    const mw = (await custom.getNamespacedCustomObject({ group: 'traefik.io', version: 'v1alpha1', namespace: 'store-kinds1', plural: 'middlewares', name: 'redirect-https' })) as { spec: unknown };
    expect(mw.spec).toEqual({ redirectScheme: { scheme: 'https', permanent: true } });
  });

  it('answers 422 with the API server wording when a client changes an immutable field', async () => {
    await core.createNamespace({ body: { metadata: { name: 'immutable-api' } } });
    await core.createNamespacedConfigMap({ namespace: 'immutable-api', body: { metadata: { name: 'frozen' }, immutable: true, data: { a: '1' } } });
    const err = await core.replaceNamespacedConfigMap({ namespace: 'immutable-api', name: 'frozen', body: { metadata: { name: 'frozen' }, immutable: true, data: { a: '2' } } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 422 });
    const status = JSON.parse((err as { body: string }).body);
    expect(status).toMatchObject({ kind: 'Status', reason: 'Invalid', message: 'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set' });
    expect((await core.readNamespacedConfigMap({ namespace: 'immutable-api', name: 'frozen' })).data).toEqual({ a: '1' });
    await batch.createNamespacedJob({ namespace: 'immutable-api', body: job('once', 'busybox:1') as k8s.V1Job });
    const jobErr = await batch.patchNamespacedJob({ namespace: 'immutable-api', name: 'once', body: { spec: { template: { spec: { containers: [container('run', 'busybox:2')] } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)).catch((e: unknown) => e);
    expect(JSON.parse((jobErr as { body: string }).body).message).toBe('Job.batch "once" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable');
  });
});
