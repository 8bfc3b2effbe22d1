import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { RenderablePlan } from '../../../../renderer/src/render-store.ts';
import { formatBytes, isQuantity, parseQuantity } from './quantity.ts';

const Quantity = z.string().refine(isQuantity, 'not a Kubernetes quantity (e.g. 250m, 1, 512Mi, 20Gi)');
const Compute = z.strictObject({ cpu: Quantity, memory: Quantity });
const Component = z.strictObject({
  /** What the container is guaranteed. */
  requests: Compute,
  /** What it may use at most. */
  limits: Compute,
  /** Size of the component's volume (WordPress: wp-content; MySQL: the data directory). */
  storage: Quantity,
});
const QUOTA_KEYS = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;
const PlanFields = z.strictObject({
  /** Shown in the dashboard. */
  title: z.string().min(1).max(40),
  /** One sentence, shown in the dashboard. */
  description: z.string().max(200).default(''),
  /** What the plan counts for a user's quota with QUOTA_MODE=units. */
  units: z.number().int().min(1).max(1000),
  wordpress: Component,
  mysql: Component,
  /** Most WordPress replicas the HPA may run. */
  hpaMaxReplicas: z.number().int().min(1).max(50),
  /** The namespace ResourceQuota's compute limits (pods are derived from the plan, storage from the largest plan). */
  resourceQuota: z.strictObject(Object.fromEntries(QUOTA_KEYS.map((k) => [k, Quantity])) as Record<(typeof QUOTA_KEYS)[number], typeof Quantity>),
});
const PlansFile = z.strictObject({
  storage: z
    .strictObject({
      /** StorageClass of every store volume; empty: the cluster's default. */
      storageClassName: z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/, 'a StorageClass name (lower-case DNS subdomain) or empty'),
      /** The class has `allowVolumeExpansion: true`: a plan change may grow volumes. */
      allowVolumeExpansion: z.boolean(),
    })
    .default({ storageClassName: '', allowVolumeExpansion: false }),
  plans: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,29}$/, 'plan names are 1–30 lower-case letters, digits and hyphens'), PlanFields)
    .refine((p) => Object.keys(p).length > 0, 'at least one plan'),
});

type PlanFields = z.infer<typeof PlanFields>;
export type Plan = PlanFields & { name: string };
export type StorageSettings = z.infer<typeof PlansFile>['storage'];
/** The two volumes of a store, as named to users and in refusals. */
export const VOLUMES = { wordpress: 'WordPress content', mysql: 'MySQL data' } as const;

/** Pods a store runs besides WordPress: MySQL, the setup hook, a cron run, the test pod, an ACME solver, one surge. */
const OTHER_PODS = 6;
/** The chart's own pod count limit: a plan never lowers it. */
const CHART_PODS = 15;

/** A plans file that cannot be used: one line naming the file and the field. */
export class PlansFileError extends Error {
  override name = 'PlansFileError';
}

/**
 * The operator's plans (api/plans.yaml, or PLANS_FILE): which exist, which is the default, and the shape
 * each renders into a store's values. Immutable once loaded.
 */
export class PlanCatalog {
  readonly storage: Readonly<StorageSettings>;
  readonly defaultPlan: string;
  readonly #plans: ReadonlyMap<string, Plan>;

  constructor(plans: Plan[], storage: StorageSettings, defaultPlan: string) {
    this.#plans = new Map(plans.map((p) => [p.name, Object.freeze(p)]));
    this.storage = Object.freeze({ ...storage });
    this.defaultPlan = defaultPlan;
    Object.freeze(this);
  }

  /** Every plan, in the file's order. */
  list(): Plan[] {
    return [...this.#plans.values()];
  }

  find(name: string): Plan | undefined {
    return this.#plans.get(name);
  }

  /**
   * The ResourceQuota's `requests.storage` of every plan: the most storage any plan has. The API server
   * charges a claim's growth against the quota live before the sync (Argo CD's dry run of the whole
   * sync comes first), so a quota that grew with the plan would refuse the very resize it belongs to.
   * Each volume stays bounded by its plan: the claim sizes themselves and the LimitRange maximum.
   */
  storageCeiling(): number {
    return Math.max(...this.list().map((p) => parseQuantity(p.wordpress.storage) + parseQuantity(p.mysql.storage)));
  }

  /** The plan's shape as the renderer writes it into the store's values. */
  shapeOf(name: string): RenderablePlan | undefined {
    const p = this.#plans.get(name);
    if (!p) return undefined;
    const volumes = [parseQuantity(p.wordpress.storage), parseQuantity(p.mysql.storage)];
    const resources = (c: Plan['wordpress']) => ({ requests: { ...c.requests }, limits: { ...c.limits } });
    return {
      name: p.name,
      wordpress: { resources: resources(p.wordpress), storage: p.wordpress.storage },
      mysql: { resources: resources(p.mysql), storage: p.mysql.storage },
      hpaMaxReplicas: p.hpaMaxReplicas,
      resourceQuota: {
        ...p.resourceQuota,
        'requests.storage': formatBytes(this.storageCeiling()),
        pods: String(Math.max(CHART_PODS, p.hpaMaxReplicas + OTHER_PODS)),
      },
      maxVolume: formatBytes(Math.max(...volumes)),
      ...(this.storage.storageClassName ? { storageClassName: this.storage.storageClassName } : {}),
    };
  }
}

/** The quota must admit the plan at its HPA maximum plus one surge pod, with MySQL beside it. */
function quotaProblem(p: PlanFields): string | undefined {
  const wp = p.hpaMaxReplicas + 1;
  for (const key of QUOTA_KEYS) {
    const [kind, res] = key.split('.') as ['requests' | 'limits', 'cpu' | 'memory'];
    const needed = wp * parseQuantity(p.wordpress[kind][res]) + parseQuantity(p.mysql[kind][res]);
    if (parseQuantity(p.resourceQuota[key]) < needed)
      return `resourceQuota.${key}: ${p.resourceQuota[key]} is less than ${wp} WordPress pods (hpaMaxReplicas + 1) and MySQL need`;
  }
  for (const c of ['wordpress', 'mysql'] as const) {
    for (const res of ['cpu', 'memory'] as const) {
      if (parseQuantity(p[c].requests[res]) > parseQuantity(p[c].limits[res])) return `${c}.requests.${res}: more than ${c}.limits.${res}`;
    }
  }
  return undefined;
}

/** Parses and checks a plans file's text; throws PlansFileError naming `file` and the first bad field. */
export function parsePlanCatalog(text: string, file: string, defaultPlan: string): PlanCatalog {
  const fail = (field: string, message: string): never => {
    throw new PlansFileError(`plans file ${file}: ${field ? `${field}: ` : ''}${message}`);
  };
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    fail('', `not valid YAML (${String((err as Error).message).split('\n')[0]})`);
  }
  const parsed = PlansFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(issue.path.join('.'), issue.message);
  }
  const data = parsed.data!;
  const plans = Object.entries(data.plans).map(([name, p]) => ({ ...p, name }));
  for (const p of plans) {
    const problem = quotaProblem(p);
    if (problem) fail(`plans.${p.name}.${problem.split(': ')[0]}`, problem.split(': ').slice(1).join(': '));
  }
  if (!data.plans[defaultPlan])
    fail('plans', `DEFAULT_PLAN is ${JSON.stringify(defaultPlan)}, which the file does not define (it has ${Object.keys(data.plans).join(', ')})`);
  return new PlanCatalog(plans, data.storage, defaultPlan);
}

/** Reads the plans file at `file` (PLANS_FILE or the shipped api/plans.yaml). */
export function loadPlanCatalog(file: string, defaultPlan: string): PlanCatalog {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PlansFileError(`plans file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parsePlanCatalog(text, file, defaultPlan);
}
