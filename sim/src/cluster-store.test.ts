import { describe, expect, it } from 'vitest';
import { ClusterStore, type WatchEvent } from './cluster-store.ts';
import { parseLabelSelector } from './label-selector.ts';

describe(ClusterStore.name, () => {
  it('keeps an object with finalizers until they are removed, then deletes it', () => {
    const s = new ClusterStore();
    s.create({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'argocd', finalizers: ['f'] } });
    s.delete('argoproj.io/v1alpha1', 'Application', 'argocd', 'a');
    const deleting = s.get('argoproj.io/v1alpha1', 'Application', 'argocd', 'a');
    expect(deleting?.metadata.deletionTimestamp).toBeDefined();
    s.patchMetadata(deleting!, (m) => {
      m.finalizers = [];
    });
    expect(s.get('argoproj.io/v1alpha1', 'Application', 'argocd', 'a')).toBeUndefined();
  });

  it('bumps generation on spec changes only, and resourceVersion on every change, with watch history', () => {
    const s = new ClusterStore();
    const events: WatchEvent[] = [];
    s.on('event', (e: WatchEvent) => events.push(e));
    const o = s.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' }, spec: { replicas: 1 } });
    s.setStatus(o, { replicas: 1 });
    expect(s.get('apps/v1', 'Deployment', 'n', 'd')?.metadata.generation).toBe(1);
    s.put({ ...o, spec: { replicas: 2 } });
    const d = s.get('apps/v1', 'Deployment', 'n', 'd');
    expect(d?.metadata.generation).toBe(2);
    expect(d?.status).toEqual({ replicas: 1 });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED']);
    expect(s.eventsSince(events[0]!.resourceVersion)?.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED']);
  });

  it('keeps watch history per resource type: churn of pods does not expire a watch of Applications; a restart has none before it', () => {
    const s = new ClusterStore();
    const app = s.create({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'argocd' } });
    const from = Number(app.metadata.resourceVersion);
    const pod = s.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' } });
    for (let i = 0; i < 3000; i++) s.setStatus(pod, { phase: `P${i}` });
    s.setStatus(app, { health: { status: 'Healthy' } });
    const ofApps = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' };
    expect(s.eventsSince(from, ofApps)?.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['MODIFIED a']);
    expect(s.eventsSince(from, ofApps)?.[0]?.previous?.status).toBeUndefined();
    expect(s.eventsSince(from, { apiVersion: 'v1', kind: 'Pod' })).toBeUndefined(); // 410: older than the pods' window
    const restarted = new ClusterStore();
    restarted.load(s.snapshot());
    expect(restarted.eventsSince(from, ofApps)).toBeUndefined();
    expect(restarted.eventsSince(s.resourceVersion, ofApps)).toEqual([]);
  });

  it('garbage-collects dependents and converts stringData', () => {
    const s = new ClusterStore();
    const owner = s.create({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'x', namespace: 'n' } });
    s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'n', ownerReferences: [{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'x', uid: owner.metadata.uid! }] }, stringData: { a: 'b' } });
    expect(s.get('v1', 'Secret', 'n', 'x')?.data).toEqual({ a: 'Yg==' });
    s.delete('bitnami.com/v1alpha1', 'SealedSecret', 'n', 'x');
    expect(s.get('v1', 'Secret', 'n', 'x')).toBeUndefined();
  });
});

describe('parseLabelSelector', () => {
  it('supports equality, set-based and existence requirements', () => {
    const m = parseLabelSelector('app=web,tier!=db,env in (prod,staging),!legacy,owner');
    expect(m({ app: 'web', env: 'prod', owner: 'x' })).toBe(true);
    expect(m({ app: 'web', env: 'dev', owner: 'x' })).toBe(false);
    expect(m({ app: 'web', env: 'prod', owner: 'x', legacy: '1' })).toBe(false);
    expect(m({ app: 'web', env: 'prod' })).toBe(false);
  });
});
