/**
 * Reads the rendered store chart as Kubernetes would: pod templates, containers, effective pod
 * resources and the namespace's worst-case resource demand. Pure functions over parsed objects, shared
 * by the chart tests.
 */
import { parseQuantity } from '../../sim/src/admission/quantity.ts';
import type { K8sObject } from './render-chart.ts';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

/** A pod template found in the rendered objects. */
export interface PodTemplate {
  /** `Kind/name` of the object holding it. */
  owner: string;
  kind: string;
  labels: Record<string, string>;
  spec: Obj;
}

/** Pod specs of every Deployment, Job, CronJob and bare Pod (the helm test pod included). */
export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const owner = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'Pod') {
      out.push({ owner, kind: o.kind, labels: o.metadata.labels ?? {}, spec: obj(o.spec) });
    } else if (o.kind === 'Deployment' || o.kind === 'Job' || o.kind === 'StatefulSet') {
      const template = obj(obj(o.spec).template);
      out.push({ owner, kind: o.kind, labels: obj(obj(template.metadata).labels) as Record<string, string>, spec: obj(template.spec) });
    } else if (o.kind === 'CronJob') {
      const template = obj(obj(obj(obj(o.spec).jobTemplate).spec).template);
      out.push({ owner, kind: o.kind, labels: obj(obj(template.metadata).labels) as Record<string, string>, spec: obj(template.spec) });
    }
  }
  return out;
}

/** Every container (init containers included) of a pod spec. */
export function containersOf(spec: Obj): Obj[] {
  return [...list(spec.initContainers), ...list(spec.containers)];
}

/** A pod's resource figures: cpu in cores, memory in bytes. */
export interface PodResources {
  requestsCpu: number;
  requestsMemory: number;
  limitsCpu: number;
  limitsMemory: number;
}

function amount(resources: unknown, kind: 'requests' | 'limits', name: 'cpu' | 'memory'): number {
  const q = obj(obj(resources)[kind])[name];
  if (q === undefined) throw new Error(`container without ${kind}.${name}: the quota would refuse it`);
  return parseQuantity(q as string | number);
}

/**
 * A pod's effective resources as the ResourceQuota counts them: for each resource the larger of the
 * sum over app containers and the largest init container.
 */
export function effectivePodResources(spec: Obj): PodResources {
  const sum = (name: 'cpu' | 'memory', kind: 'requests' | 'limits') =>
    list(spec.containers).reduce((acc, c) => acc + amount(c.resources, kind, name), 0);
  const maxInit = (name: 'cpu' | 'memory', kind: 'requests' | 'limits') =>
    list(spec.initContainers).reduce((acc, c) => Math.max(acc, amount(c.resources, kind, name)), 0);
  const eff = (name: 'cpu' | 'memory', kind: 'requests' | 'limits') => Math.max(sum(name, kind), maxInit(name, kind));
  return {
    requestsCpu: eff('cpu', 'requests'),
    requestsMemory: eff('memory', 'requests'),
    limitsCpu: eff('cpu', 'limits'),
    limitsMemory: eff('memory', 'limits'),
  };
}

/** cert-manager's HTTP-01 solver pod (its defaults), which runs in the store namespace during issuance. */
export const ACME_SOLVER_POD: PodResources = {
  requestsCpu: 0.01,
  requestsMemory: 64 * 2 ** 20,
  limitsCpu: 0.1,
  limitsMemory: 64 * 2 ** 20,
};

/** The namespace's worst-case demand and what makes it up. */
export interface StoreDemand extends PodResources {
  pods: number;
  storage: number;
  pvcs: number;
  /** Human-readable parts, e.g. "6 × Deployment/store-wordpress". */
  parts: string[];
}

function find(objects: readonly K8sObject[], kind: string, component?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (component === undefined || o.metadata.labels?.['app.kubernetes.io/component'] === component));
}

/**
 * The largest shape the store can take at one moment: the HPA's maximum of WordPress pods plus the
 * rolling update's surge, MySQL (Recreate: never two), the setup hook's pod, one WP-Cron run (Forbid),
 * the helm test pod, a cert-manager solver pod and every PVC.
 */
export function worstCaseDemand(objects: readonly K8sObject[]): StoreDemand {
  const demand: StoreDemand = { requestsCpu: 0, requestsMemory: 0, limitsCpu: 0, limitsMemory: 0, pods: 0, storage: 0, pvcs: 0, parts: [] };
  const add = (label: string, count: number, r: PodResources) => {
    demand.requestsCpu += count * r.requestsCpu;
    demand.requestsMemory += count * r.requestsMemory;
    demand.limitsCpu += count * r.limitsCpu;
    demand.limitsMemory += count * r.limitsMemory;
    demand.pods += count;
    demand.parts.push(`${count} × ${label}`);
  };
  const hpas = find(objects, 'HorizontalPodAutoscaler');
  for (const d of find(objects, 'Deployment')) {
    const spec = obj(d.spec);
    const hpa = hpas.find((h) => obj(obj(h.spec).scaleTargetRef).name === d.metadata.name);
    const replicas = hpa ? Number(obj(hpa.spec).maxReplicas) : Number(spec.replicas ?? 1);
    const strategy = obj(spec.strategy);
    const surge = strategy.type === 'Recreate' ? 0 : Number(obj(strategy.rollingUpdate).maxSurge ?? 1);
    add(`Deployment/${d.metadata.name} (${replicas} + ${surge} surge)`, replicas + surge, effectivePodResources(obj(obj(obj(spec.template).spec))));
  }
  for (const j of find(objects, 'Job')) {
    const spec = obj(j.spec);
    add(`Job/${j.metadata.name}`, Number(spec.parallelism ?? 1), effectivePodResources(obj(obj(spec.template).spec)));
  }
  for (const c of find(objects, 'CronJob')) {
    // concurrencyPolicy Forbid: one run at a time; Allow could stack runs without bound.
    const spec = obj(c.spec);
    if (spec.concurrencyPolicy !== 'Forbid') throw new Error(`CronJob/${c.metadata.name} without concurrencyPolicy Forbid has no worst case`);
    const job = obj(obj(spec.jobTemplate).spec);
    add(`CronJob/${c.metadata.name}`, Number(job.parallelism ?? 1), effectivePodResources(obj(obj(job.template).spec)));
  }
  for (const p of find(objects, 'Pod')) add(`Pod/${p.metadata.name}`, 1, effectivePodResources(obj(p.spec)));
  add('cert-manager HTTP-01 solver', 1, ACME_SOLVER_POD);
  for (const pvc of find(objects, 'PersistentVolumeClaim')) {
    demand.storage += parseQuantity(obj(obj(obj(pvc.spec).resources).requests).storage as string);
    demand.pvcs += 1;
  }
  return demand;
}

/**
 * What an upgrade must never change, as plain data: PVC names and specs, Deployment/Service selectors,
 * Deployment pod labels, and the Secret/SealedSecret name, scope and values (ciphertexts in sealed mode;
 * given values in plain mode).
 */
export function upgradeIdentity(objects: readonly K8sObject[]): Obj {
  return plainData({
    pvcs: objects.filter((x) => x.kind === 'PersistentVolumeClaim').map((x) => ({ name: x.metadata.name, spec: x.spec })),
    selectors: objects
      .filter((x) => x.kind === 'Deployment' || x.kind === 'Service')
      .map((x) => ({ id: `${x.kind}/${x.metadata.name}`, selector: obj(x.spec).selector })),
    podLabels: podTemplates(objects).filter((p) => p.kind === 'Deployment').map((p) => ({ owner: p.owner, labels: p.labels })),
    secrets: objects
      .filter((x) => x.kind === 'Secret' || x.kind === 'SealedSecret')
      .map((x) => ({ kind: x.kind, namespace: x.metadata.namespace, name: x.metadata.name, data: x.data, encryptedData: obj(x.spec).encryptedData })),
  });
}

/** JSON round trip: drops undefined fields, so an identity compares equal to its recorded form. */
function plainData(value: Obj): Obj {
  return JSON.parse(JSON.stringify(value)) as Obj;
}
