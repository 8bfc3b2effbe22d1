import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import type { Sim } from '../src/sim.ts';
import { validateObject } from '../src/admission/schema.ts';
import { sealSecretValue } from '../../renderer/src/seal.ts';
import { fetchSealingCert } from '../../api/src/features/provisioning/sealing-cert.ts';
import { createGitopsRepo, storeApplication, type GitopsRepo, startTestSim } from './gitops-repo-fixture.ts';
import { waitFor } from './wait-for.ts';

const chartDir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'mini-store');

type App = { metadata: { name: string; finalizers?: string[] }; status?: any };

describe('sim (Argo CD + Kubernetes stand-in) with a fixture chart', () => {
  let sim: Sim;
  let repo: GitopsRepo;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  let certPem: string;

  beforeAll(async () => {
    repo = createGitopsRepo({ chartDir });
    sim = await startTestSim(repo.url, { namespaceTerminationMs: 600 });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    core = kc.makeApiClient(k8s.CoreV1Api);
    certPem = await fetchSealingCert(kc);
  });

  afterAll(async () => {
    await sim?.stop();
    repo?.cleanup();
  });

  const getApp = async (name: string): Promise<App | undefined> => {
    try {
      return (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name })) as App;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };

  const sealedValues = (id: string, namespace = `store-${id}`) => ({
    store: { id, name: `Store ${id}`, domain: `${id}.shops.example.com`, owner: 'owner-1' },
    secrets: {
      sealed: {
        enabled: true,
        encryptedData: { 'mysql-password': sealSecretValue({ certPem, namespace, name: 'store-secrets', value: 's3cret' }) },
      },
    },
  });

  const addStore = (id: string, values: unknown, appOptions: Parameters<typeof storeApplication>[2] = {}) =>
    repo.commit(
      {
        [`stores/${id}/application.yaml`]: stringify(storeApplication(id, repo.url, appOptions)),
        [`stores/${id}/values.yaml`]: stringify(values),
      },
      `Add store ${id}`,
    );

  it('syncs a committed store Application to Synced/Healthy with Ready pods', async () => {
    const sha = addStore('alpha', sealedValues('alpha'));
    const app = await waitFor('store-alpha Healthy', async () => {
      const a = await getApp('store-alpha');
      return a?.status?.health?.status === 'Healthy' && a.status.sync?.status === 'Synced' ? a : undefined;
    });
    expect(app.status.sync.revision).toBe(sha);
    expect(app.status.operationState.phase).toBe('Succeeded');
    expect(app.status.resources.every((r: { health?: unknown }) => r.health === undefined)).toBe(true);
    expect(app.status.summary.externalURLs).toEqual(['https://alpha.shops.example.com']);
    // What the sim reports is what Argo CD 3.5's CRD allows, status included.
    expect(validateObject(app)).toEqual([]);
    const pods = await core.listNamespacedPod({ namespace: 'store-alpha', labelSelector: 'app.kubernetes.io/name=wordpress' });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0] as k8s.V1Pod;
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true);
    const secret = await core.readNamespacedSecret({ namespace: 'store-alpha', name: 'store-secrets' });
    expect(Buffer.from(secret.data?.['mysql-password'] ?? '', 'base64').toString()).toBe('s3cret');
    const ns = await core.readNamespace({ name: 'store-alpha' });
    expect(ns.status?.phase).toBe('Active');
    const ingress = await kc.makeApiClient(k8s.NetworkingV1Api).readNamespacedIngress({ namespace: 'store-alpha', name: 'wordpress' });
    expect(ingress.status?.loadBalancer?.ingress?.[0]?.ip).toBe('127.0.0.1');
    const cert = await waitFor('Certificate Ready', async () => {
      const c = (await custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: 'store-alpha', plural: 'certificates', name: 'wordpress-tls' })) as { spec: { dnsNames: string[] }; status?: { conditions?: { type: string; status: string }[] } };
      return c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? c : undefined;
    });
    expect(cert.spec.dnsNames).toEqual(['alpha.shops.example.com']);
    expect((await core.readNamespacedSecret({ namespace: 'store-alpha', name: 'wordpress-tls' })).type).toBe('kubernetes.io/tls');
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: 'store-alpha', name: 'wordpress-data' });
    expect(pvc.status?.phase).toBe('Bound');
  });

  it('degrades a store whose values make the pod privileged, with the Pod Security admission message', async () => {
    const values = sealedValues('bravo') as Record<string, unknown>;
    values.wordpress = { securityContext: { privileged: true, allowPrivilegeEscalation: true, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } } };
    addStore('bravo', values);
    const app = await waitFor('store-bravo Degraded', async () => {
      const a = await getApp('store-bravo');
      return a?.status?.health?.status === 'Degraded' ? a : undefined;
    });
    expect(app.status.sync.status).toBe('Synced');
    const pods = await core.listNamespacedPod({ namespace: 'store-bravo' });
    expect(pods.items).toHaveLength(0);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const deploy = await apps.readNamespacedDeployment({ namespace: 'store-bravo', name: 'wordpress' });
    const failure = deploy.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    expect(failure?.message).toMatch(/^pods "wordpress-[a-z0-9]+-[a-z0-9]+" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "wordpress" must not set securityContext\.privileged=true\), allowPrivilegeEscalation != false \(container "wordpress" must set securityContext\.allowPrivilegeEscalation=false\)$/);
    const events = await core.listNamespacedEvent({ namespace: 'store-bravo' });
    const created = events.items.find((e) => e.reason === 'FailedCreate');
    expect(created?.type).toBe('Warning');
    expect(created?.message).toMatch(/^Error creating: pods "wordpress-[a-z0-9]+-[a-z0-9]+" is forbidden: violates PodSecurity "restricted:latest": privileged/);
  });

  it('reports InvalidSpecError and applies nothing for an Application outside its AppProject destinations', async () => {
    addStore('charlie', sealedValues('charlie', 'kube-system'), { namespace: 'kube-system' });
    const app = await waitFor('InvalidSpecError', async () => {
      const a = await getApp('store-charlie');
      return a?.status?.conditions?.some((c: { type: string }) => c.type === 'InvalidSpecError') ? a : undefined;
    });
    expect(app.status.conditions).toEqual([
      expect.objectContaining({
        type: 'InvalidSpecError',
        message: "application destination server 'https://kubernetes.default.svc' and namespace 'kube-system' do not match any of the allowed destinations in project 'stores'",
      }),
    ]);
    expect(app.status.sync.status).toBe('Unknown');
    expect(app.status.operationState).toBeUndefined();
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    expect((await apps.listNamespacedDeployment({ namespace: 'kube-system' })).items).toEqual([]);
    expect(sim.store.all().filter((o) => o.metadata.annotations?.['argocd.argoproj.io/tracking-id']?.startsWith('store-charlie:'))).toEqual([]);
  });

  it('never creates the Secret for values sealed for another namespace; pods sit in CreateContainerConfigError', async () => {
    addStore('delta', sealedValues('delta', 'store-not-delta'));
    const pod = await waitFor('CreateContainerConfigError', async () => {
      const pods = await core.listNamespacedPod({ namespace: 'store-delta', labelSelector: 'app.kubernetes.io/name=wordpress' });
      const p = pods.items[0];
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? p : undefined;
    });
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('secret "store-secrets" not found');
    const app = await waitFor('store-delta Degraded', async () => {
      const a = await getApp('store-delta');
      return a?.status?.health?.status === 'Degraded' ? a : undefined;
    });
    expect(app.status.sync.status).toBe('Synced');
    const ss = (await custom.getNamespacedCustomObject({ group: 'bitnami.com', version: 'v1alpha1', namespace: 'store-delta', plural: 'sealedsecrets', name: 'store-secrets' })) as { status: { conditions: { type: string; status: string; message: string }[] } };
    expect(ss.status.conditions[0]).toMatchObject({ type: 'Synced', status: 'False', message: 'no key could decrypt secret (mysql-password)' });
    await expect(core.readNamespacedSecret({ namespace: 'store-delta', name: 'store-secrets' })).rejects.toMatchObject({ code: 404 });
    // Several more controller passes later it is still not Healthy and still has no Secret.
    for (let i = 0; i < 5; i++) await sim.tick();
    expect((await getApp('store-delta'))?.status?.health?.status).toBe('Degraded');
    await expect(core.readNamespacedSecret({ namespace: 'store-delta', name: 'store-secrets' })).rejects.toMatchObject({ code: 404 });
  });

  it('deletes the resources and the namespace of a removed store whose Application has the resources finalizer', async () => {
    addStore('echo', sealedValues('echo'));
    await waitFor('store-echo Healthy', async () => (await getApp('store-echo'))?.status?.health?.status === 'Healthy');
    const seen: string[] = [];
    repo.commit({ 'stores/echo': null }, 'Remove store echo');
    await waitFor('namespace store-echo gone', async () => {
      try {
        const ns = await core.readNamespace({ name: 'store-echo' });
        if (ns.status?.phase && !seen.includes(ns.status.phase)) seen.push(ns.status.phase);
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
    expect(seen).toContain('Terminating');
    await waitFor('store-echo Application gone', async () => (await getApp('store-echo')) === undefined);
    expect(sim.store.listNamespace('store-echo')).toEqual([]);
  });

  it('leaves the resources of a removed store behind when its Application has no finalizer', async () => {
    addStore('foxtrot', sealedValues('foxtrot'), { finalizer: false });
    await waitFor('store-foxtrot Healthy', async () => (await getApp('store-foxtrot'))?.status?.health?.status === 'Healthy');
    repo.commit({ 'stores/foxtrot': null }, 'Remove store foxtrot');
    await waitFor('store-foxtrot Application gone', async () => (await getApp('store-foxtrot')) === undefined);
    for (let i = 0; i < 5; i++) await sim.tick();
    expect((await core.readNamespace({ name: 'store-foxtrot' })).status?.phase).toBe('Active');
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    expect((await apps.readNamespacedDeployment({ namespace: 'store-foxtrot', name: 'wordpress' })).metadata?.name).toBe('wordpress');
  });

  it('fails the sync at the dry run, applying nothing, when a values file sets a field the schema does not know', async () => {
    const values = sealedValues('golf') as Record<string, unknown>;
    values.wordpress = { securityContext: { runAsNonRot: true } };
    const sha = addStore('golf', values);
    const app = await waitFor('sync Failed', async () => {
      const a = await getApp('store-golf');
      return a?.status?.operationState?.phase === 'Failed' ? a : undefined;
    });
    expect(app.status.operationState.message).toBe(
      'one or more objects failed to apply (dry run), reason: failed to create typed patch object (store-golf/wordpress; apps/v1, Kind=Deployment): .spec.template.spec.containers[0].securityContext.runAsNonRot: field not declared in schema',
    );
    expect(app.status.operationState.syncResult.revision).toBe(sha);
    expect(app.status.sync.status).toBe('OutOfSync');
    expect(app.status.health.status).toBe('Missing');
    await expect(core.readNamespace({ name: 'store-golf' })).rejects.toMatchObject({ code: 404 });
  });

  it('self-heals: a resource deleted behind Argo CD\'s back is re-created by an automated sync', async () => {
    addStore('hotel', sealedValues('hotel'));
    await waitFor('store-hotel Healthy', async () => (await getApp('store-hotel'))?.status?.health?.status === 'Healthy');
    const before = (await getApp('store-hotel'))?.status?.operationState?.startedAt;
    await core.deleteNamespacedService({ namespace: 'store-hotel', name: 'wordpress' });
    const healed = await waitFor('Service back', async () => core.readNamespacedService({ namespace: 'store-hotel', name: 'wordpress' }).then((s) => s, () => undefined));
    expect(healed.metadata?.annotations?.['argocd.argoproj.io/tracking-id']).toBe('store-hotel:/Service:store-hotel/wordpress');
    const app = await waitFor('Synced again', async () => {
      const a = await getApp('store-hotel');
      return a?.status?.sync?.status === 'Synced' ? a : undefined;
    });
    expect(app.status.operationState.startedAt >= before).toBe(true);
    expect(app.status.operationState.syncResult.resources).toContainEqual(expect.objectContaining({ kind: 'Service', name: 'wordpress', message: 'service/wordpress created' }));
  });
});
