/**
 * A suspended store, through the whole render path: renderStore → values.yaml → the real chart with the
 * real helm → the sim's admission (schema, the namespace's Pod Security level, LimitRange, ResourceQuota).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { admitPod } from '../../sim/src/admission/pod-admission.ts';
import { validateObject } from '../../sim/src/admission/schema.ts';
import type { KubeObject } from '../../sim/src/cluster-store.ts';
import { FIXTURES } from '../test/support/fixtures/stores.ts';
import { renderStore } from './render-store.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HELM = process.env.HELM_BIN ?? join(ROOT, '.tools', 'bin', 'helm');
const fixture = FIXTURES.find((f) => f.name === 'suspended')!;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'render-suspended-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function helmObjects(suspended: boolean): Promise<KubeObject[]> {
  const store = { ...fixture.store, suspended };
  const values = renderStore(store, fixture.settings).find((f) => f.path.endsWith('/values.yaml'))!;
  const file = join(dir, `values-${suspended}.yaml`);
  await writeFile(file, values.content);
  const { stdout } = await promisify(execFile)(
    HELM,
    ['template', `store-${store.id}`, join(ROOT, 'charts/woocommerce-store'), '--namespace', `store-${store.id}`, '-f', file],
    { maxBuffer: 32 * 1024 * 1024 },
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject)
    .filter(Boolean);
}

/** The pods a controller would create from each workload (one per template), named after their owner. */
function podsOf(objects: KubeObject[]): KubeObject[] {
  const ns = `store-${fixture.store.id}`;
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'CronJob', 'Job'].includes(o.kind))
    .map((o) => {
      const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${o.metadata.name}-0`, namespace: ns, labels: template.metadata?.labels },
        spec: template.spec,
      };
    });
}

describe('a suspended store’s render', () => {
  it('is marked suspended in values.yaml only when suspended', () => {
    const values = (suspended: boolean) => renderStore({ ...fixture.store, suspended }, fixture.settings).find((f) => f.path.endsWith('/values.yaml'))!.content;
    expect(values(true)).toMatch(/^suspended: true$/m);
    expect(values(false)).not.toMatch(/suspended/);
  });

  it('passes the sim’s admission: strict schemas, Pod Security restricted, the LimitRange and the ResourceQuota', async () => {
    const objects = await helmObjects(true);
    for (const o of objects.filter((x) => !x.metadata.annotations?.['helm.sh/hook'])) expect(validateObject(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const pods = podsOf(objects);
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['store-cron-0', 'store-mysql-0', 'store-paused-0', 'store-wordpress-0']);
    const admitted: KubeObject[] = [];
    // only the holding page runs while suspended; the others would run again on resume (admitted below)
    for (const pod of pods.filter((p) => p.metadata.name === 'store-paused-0')) {
      const result = admitPod(pod, {
        namespaceLabels: namespace.metadata.labels,
        limitRanges: objects.filter((o) => o.kind === 'LimitRange'),
        resourceQuotas: objects.filter((o) => o.kind === 'ResourceQuota'),
        pods: admitted,
      });
      expect(result, pod.metadata.name).toMatchObject({ allowed: true });
      if (result.allowed) admitted.push(result.object);
    }
    expect(admitted).toHaveLength(1);
  });

  it('would be refused by the same admission if the holding page ran as root (so the check above can fail)', async () => {
    const objects = await helmObjects(true);
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    const pod = podsOf(objects).find((p) => p.metadata.name === 'store-paused-0')!;
    pod.spec.securityContext = { ...pod.spec.securityContext, runAsNonRoot: false, runAsUser: 0 };
    const result = admitPod(pod, { namespaceLabels: namespace.metadata.labels, limitRanges: [], resourceQuotas: [], pods: [] });
    expect(result.allowed).toBe(false);
  });

  it('keeps the PVCs and the SealedSecret exactly as a running store’s, and the holding page only while suspended', async () => {
    const [paused, running] = [await helmObjects(true), await helmObjects(false)];
    for (const kind of ['PersistentVolumeClaim', 'SealedSecret']) expect(paused.filter((o) => o.kind === kind)).toEqual(running.filter((o) => o.kind === kind));
    expect(paused.some((o) => o.kind === 'Deployment' && o.metadata.name === 'store-paused')).toBe(true);
    expect(running.some((o) => o.metadata.name === 'store-paused')).toBe(false);
  });
});
