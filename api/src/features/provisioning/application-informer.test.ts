import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type Sim } from '../../../../sim/src/sim.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../../../renderer/src/render-store.ts';
import { ApplicationInformer } from './application-informer.ts';
import { KubeClusterClient, STORE_ID_LABEL } from './cluster-client.ts';

const API = 'argoproj.io/v1alpha1';
let cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A sim whose controllers stay still (the test writes Application status itself), kept in `dir`. */
async function sim(dir: string, port = 0): Promise<Sim> {
  const s = await startSim({ stateDir: dir, port, tickMs: 3_600_000, sealingKeyBits: 2048, watchBookmarkMs: 100 });
  await s.tick(); // the start-up pass (Argo CD reconciles what it finds) is over before the test writes
  return s;
}

function addApp(s: Sim, storeId: string, labels: Record<string, string> = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [STORE_ID_LABEL]: storeId }) {
  return s.store.create({ apiVersion: API, kind: 'Application', metadata: { name: `store-${storeId}`, namespace: 'argocd', labels }, spec: {} });
}

function setHealth(s: Sim, storeId: string, health: string, reconciledAt = '2026-12-01T10:00:00Z') {
  const o = s.store.get(API, 'Application', 'argocd', `store-${storeId}`)!;
  s.store.setStatus(o, { sync: { status: 'Synced', revision: 'abc' }, health: { status: health }, reconciledAt });
}

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'informer-'));
  const first = await sim(dir);
  const kc = new KubeConfig();
  kc.loadFromFile(first.kubeconfigPath);
  const client = new KubeClusterClient(kc, 'argocd');
  const informer = client.storeApplications() as ApplicationInformer;
  const state = { sim: first };
  cleanups.push(async () => {
    client.close();
    await state.sim.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, state, informer, client, port: Number(new URL(first.url).port) };
}

describe(ApplicationInformer.name, () => {
  it('sees Application changes through the watch, without another list; a refresh that only moves reconciledAt is no change', async () => {
    const { state, informer } = await setup();
    for (const id of ['a', 'b', 'c']) addApp(state.sim, id);
    addApp(state.sim, 'unmanaged', { [STORE_ID_LABEL]: 'unmanaged' }); // not selected by the managed-by label
    await informer.synced();
    expect(new Set(informer.takeChanged())).toEqual(new Set(['a', 'b', 'c']));
    expect(informer.stats.lists).toBe(1);

    setHealth(state.sim, 'a', 'Progressing');
    setHealth(state.sim, 'a', 'Progressing', '2026-12-01T10:03:00Z'); // only reconciledAt moves
    setHealth(state.sim, 'b', 'Healthy');
    await waitFor('b healthy in the cache', () => informer.get('b')?.status?.health?.status === 'Healthy');
    expect(informer.get('a')?.status?.reconciledAt).toBe('2026-12-01T10:03:00Z');
    expect(informer.takeChanged()).toEqual(new Set(['a', 'b']));

    // Out of the label selector → DELETED; back in → ADDED; deleted → gone.
    const c = state.sim.store.get(API, 'Application', 'argocd', 'store-c')!;
    state.sim.store.patchMetadata(c, (m) => void delete m.labels![MANAGED_BY_LABEL]);
    await waitFor('c gone from the cache', () => informer.get('c') === undefined);
    state.sim.store.patchMetadata(c, (m) => void (m.labels![MANAGED_BY_LABEL] = MANAGED_BY_VALUE));
    await waitFor('c back', () => informer.get('c') !== undefined);
    state.sim.store.delete(API, 'Application', 'argocd', 'store-a');
    await waitFor('a deleted', () => informer.get('a') === undefined);
    expect(informer.takeChanged()).toEqual(new Set(['c', 'a']));
    await waitFor('a bookmark', () => informer.stats.bookmarks > 0);
    expect(informer.stats.lists).toBe(1);
    expect(informer.stats.relists).toBe(0);
  });

  it('a restarted sim: unavailable while it is down, then the watch resumes and no change made meanwhile is missed', async () => {
    const { dir, state, informer, port } = await setup();
    addApp(state.sim, 'a');
    await informer.synced();
    informer.takeChanged();
    await state.sim.stop();
    await waitFor('unavailable while down', () =>
      informer.synced().then(
        () => false,
        (e: Error) => e.name === 'ClusterUnavailableError',
      ),
    );
    state.sim = await sim(dir, port);
    setHealth(state.sim, 'a', 'Degraded');
    addApp(state.sim, 'b');
    await waitFor('both changes', () => informer.get('a')?.status?.health?.status === 'Degraded' && informer.get('b') !== undefined);
    await informer.synced();
    expect(informer.takeChanged()).toEqual(new Set(['a', 'b']));
  });

  it('410 Gone (history older than the resourceVersion it holds) → lists again and misses nothing', async () => {
    const { dir, state, informer, port } = await setup();
    addApp(state.sim, 'a');
    addApp(state.sim, 'b');
    await informer.synced();
    informer.takeChanged();
    await state.sim.stop();
    // Changes on a sim the informer never sees (another port), whose history then dies with it.
    const elsewhere = await sim(dir);
    setHealth(elsewhere, 'a', 'Healthy');
    elsewhere.store.delete(API, 'Application', 'argocd', 'store-b');
    await elsewhere.stop();
    state.sim = await sim(dir, port);
    const live = () => state.sim.store.get(API, 'Application', 'argocd', 'store-a')!;
    await waitFor('the relist', () => informer.stats.relists > 0 && informer.get('b') === undefined);
    await waitFor(
      'a as the sim has it',
      () => informer.get('a')?.metadata.name === 'store-a' && (informer.get('a') as any).metadata.resourceVersion === live().metadata.resourceVersion,
    );
    await informer.synced();
    expect(informer.takeChanged()).toEqual(new Set(['a', 'b']));
    expect(informer.stats.lists).toBe(2);
  });

  it('a sim that lost its state (resourceVersion went back) → "Too large resource version" → lists again', async () => {
    const { dir, state, informer, port } = await setup();
    for (let i = 0; i < 20; i++) addApp(state.sim, `s${i}`);
    await informer.synced();
    informer.takeChanged();
    await state.sim.stop();
    await rm(join(dir, 'state.json'), { force: true });
    state.sim = await sim(dir, port);
    addApp(state.sim, 'new');
    await waitFor('the relist', () => informer.stats.relists > 0 && informer.get('new') !== undefined && informer.get('s0') === undefined);
    expect(informer.takeChanged().size).toBe(21);
  });

  it('after an outage the next synced() (the next status cycle) retries at once, whatever the back-off has grown to', async () => {
    const { dir, state, client, port } = await setup();
    addApp(state.sim, 'a');
    await state.sim.stop();
    // Its own informer over the same API, with a back-off longer than the test may wait.
    const source = (client as unknown as { listWatch(): ConstructorParameters<typeof ApplicationInformer>[0] }).listWatch();
    const informer = new ApplicationInformer(source, { initialBackoffMs: 600_000, maxBackoffMs: 600_000 });
    cleanups.push(() => informer.stop());
    await expect(informer.synced()).rejects.toMatchObject({ name: 'ClusterUnavailableError' });
    state.sim = await sim(dir, port);
    await informer.synced();
    expect(informer.get('a')?.metadata.name).toBe('store-a');
  });
});
