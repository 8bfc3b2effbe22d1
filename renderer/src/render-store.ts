import { posix } from 'node:path';
import { Document } from 'yaml';

/** A file of the GitOps repo, path relative to the repo root (POSIX separators). */
export interface RepoFile {
  path: string;
  content: string;
}

/** CPU/memory of one container, as Kubernetes quantities. */
export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * A store's plan resolved to sizes (the operator's plans file): what the chart's resources, persistence,
 * autoscaling, resourceQuota and limitRange values become.
 */
export interface RenderablePlan {
  /** Plan name, shown in the Argo CD UI. */
  name: string;
  wordpress: { resources: ContainerResources; storage: string };
  mysql: { resources: ContainerResources; storage: string };
  /** Most WordPress replicas of the HPA. */
  hpaMaxReplicas: number;
  /** The namespace ResourceQuota's hard limits the plan sets (merged over the chart's own). */
  resourceQuota: Record<string, string>;
  /** The larger of the two volumes: the LimitRange's PersistentVolumeClaim maximum. */
  maxVolume: string;
  /** StorageClass of both volumes; absent: the cluster default. */
  storageClassName?: string;
}

/** What the renderer needs to know about a store (a projection of the store row). */
export interface RenderableStore {
  /** Store id (UUID, lower case): names the folder, the Application and the namespace. */
  id: string;
  /** Display name, shown in the Argo CD UI. */
  name: string;
  /** Public host name of the store (no scheme). */
  domain: string;
  /** Owning user id (a Kubernetes label value). */
  ownerId: string;
  /** Owner's e-mail, shown in the Argo CD UI instead of the id when given. */
  ownerEmail?: string;
  /** Sealed Secret key → kubeseal ciphertext (base64), persisted on the store so re-renders are stable. */
  sealedSecrets: Record<string, string>;
  /**
   * Retry counter (0 or absent on the first provisioning). Argo CD does not retry a failed automated
   * sync for the same commit, so a retry must change the store's folder: a positive attempt is
   * rendered as the annotation `store-platform.io/attempt` on the Application, giving a new commit.
   */
  attempt?: number;
  /**
   * Suspended (hibernated by its owner, or suspended by an operator): rendered as the chart value
   * `suspended: true` (WordPress and MySQL at zero replicas, data kept, the Ingress on a holding page).
   * Absent or false renders nothing, so a store that was never suspended renders as before.
   */
  suspended?: boolean;
  /** The store's plan; absent: the chart's default sizes. */
  plan?: RenderablePlan;
  /**
   * Verified custom domains (proved by their owner's TXT record): extra hosts of the store's Ingress and
   * of its certificate, rendered as `ingress.extraHosts`. The default `domain` always stays.
   */
  customDomains?: string[];
  /** The custom domain the store is shown at (one of customDomains): `store.primaryDomain`, WordPress's home. */
  primaryDomain?: string;
}

/** Where and how the stores are rendered. Everything but repoUrl and targetRevision has a default. */
export interface RenderSettings {
  /** URL of the GitOps repo, as Argo CD reaches it. */
  repoUrl: string;
  /** Branch (or tag/sha) Argo CD follows. */
  targetRevision: string;
  /** Namespace Argo CD watches for Applications (default `argocd`). */
  argocdNamespace?: string;
  /** AppProject of the store Applications (default `stores`). */
  project?: string;
  /** Path of the vendored chart in the GitOps repo (default `charts/woocommerce-store`). */
  chartPath?: string;
  /** Cluster API server the stores go to (default the in-cluster `https://kubernetes.default.svc`). */
  destinationServer?: string;
  /** cert-manager ClusterIssuer for the store's Ingress; rendered as `ingress.clusterIssuer` when set. */
  clusterIssuer?: string;
  /** IngressClass of the store's Ingress; rendered as `ingress.className` when set. */
  ingressClassName?: string;
  /** Argo CD sync retry (default 5 attempts, 10s backoff doubling up to 3m). */
  syncRetry?: { limit: number; backoff: { duration: string; factor: number; maxDuration: string } };
}

/** Thrown when a store or the settings cannot be rendered into valid Kubernetes names/labels. */
export class RenderError extends Error {
  override name = 'RenderError';
}

export const MANAGED_BY_LABEL = 'store-platform.io/managed-by';
export const MANAGED_BY_VALUE = 'store-platform';
export const STORE_ID_LABEL = 'store-platform.io/store-id';
export const OWNER_LABEL = 'store-platform.io/owner';
export const ATTEMPT_ANNOTATION = 'store-platform.io/attempt';
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** The Secret the chart's SealedSecret unseals into (the chart's contract); strict scope binds to it. */
export const STORE_SECRET_NAME = 'store-secrets';
/** The 8 WordPress salts (wp-config.php's keys), as the chart reads them. */
export const WORDPRESS_SALTS = [
  'AUTH_KEY',
  'SECURE_AUTH_KEY',
  'LOGGED_IN_KEY',
  'NONCE_KEY',
  'AUTH_SALT',
  'SECURE_AUTH_SALT',
  'LOGGED_IN_SALT',
  'NONCE_SALT',
] as const;
/** Keys of the store Secret, as the chart reads them. */
export const STORE_SECRET_KEYS = ['mysql-root-password', 'mysql-password', 'wordpress-admin-user', 'wordpress-admin-password', ...WORDPRESS_SALTS] as const;

const DEFAULT_RETRY = { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } };
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const HOST = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Settings with every default applied. */
export type ResolvedRenderSettings = Required<Omit<RenderSettings, 'clusterIssuer' | 'ingressClassName'>> &
  Pick<RenderSettings, 'clusterIssuer' | 'ingressClassName'>;

export function resolveRenderSettings(settings: RenderSettings): ResolvedRenderSettings {
  return {
    repoUrl: settings.repoUrl,
    targetRevision: settings.targetRevision,
    argocdNamespace: settings.argocdNamespace ?? 'argocd',
    project: settings.project ?? 'stores',
    chartPath: (settings.chartPath ?? 'charts/woocommerce-store').replace(/^\/+|\/+$/g, ''),
    destinationServer: settings.destinationServer ?? 'https://kubernetes.default.svc',
    syncRetry: settings.syncRetry ?? DEFAULT_RETRY,
    ...(settings.clusterIssuer === undefined ? {} : { clusterIssuer: settings.clusterIssuer }),
    ...(settings.ingressClassName === undefined ? {} : { ingressClassName: settings.ingressClassName }),
  };
}

/** Folder of a store in the GitOps repo. */
export function storeDir(id: string): string {
  return `stores/${id}`;
}

/** Name of a store's Application and of its namespace. */
export function storeResourceName(id: string): string {
  return `store-${id}`;
}

/**
 * Renders a store into its two platform-owned files, `stores/<id>/application.yaml` and
 * `stores/<id>/values.yaml`. Pure: the same input gives the same bytes (fixed key order, sorted
 * secret keys, no line folding). `stores/<id>/overrides.yaml` is the operator's and is never rendered.
 */
export function renderStore(store: RenderableStore, settings: RenderSettings): RepoFile[] {
  const s = resolveRenderSettings(settings);
  validate(store, s);
  const dir = storeDir(store.id);
  const name = storeResourceName(store.id);
  // Value files are resolved relative to the chart folder: climb back to the repo root.
  const toRoot = posix.relative(s.chartPath, '.');
  const application = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: s.argocdNamespace,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
        [STORE_ID_LABEL]: store.id,
        [OWNER_LABEL]: store.ownerId,
      },
      annotations: {
        // Absolute paths are from the repo root: only this store's folder and the chart matter.
        'argocd.argoproj.io/manifest-generate-paths': `/${dir};/${s.chartPath}`,
        ...(store.attempt ? { [ATTEMPT_ANNOTATION]: String(store.attempt) } : {}),
      },
      finalizers: [RESOURCES_FINALIZER],
    },
    spec: {
      project: s.project,
      source: {
        repoURL: s.repoUrl,
        targetRevision: s.targetRevision,
        path: s.chartPath,
        helm: {
          valueFiles: [`${toRoot}/${dir}/values.yaml`, `${toRoot}/${dir}/overrides.yaml`],
          ignoreMissingValueFiles: true,
        },
      },
      destination: { server: s.destinationServer, namespace: name },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        // No CreateNamespace: the chart renders the Namespace, so the finalizer prunes it on delete.
        syncOptions: ['ServerSideApply=true'],
        retry: {
          limit: s.syncRetry.limit,
          backoff: {
            duration: s.syncRetry.backoff.duration,
            factor: s.syncRetry.backoff.factor,
            maxDuration: s.syncRetry.backoff.maxDuration,
          },
        },
      },
      info: [
        { name: 'Store', value: store.name },
        { name: 'Owner', value: store.ownerEmail ?? store.ownerId },
        { name: 'URL', value: `https://${store.primaryDomain ?? store.domain}` },
        ...(store.plan ? [{ name: 'Plan', value: store.plan.name }] : []),
      ],
    },
  };

  const encryptedData: Record<string, string> = {};
  for (const key of Object.keys(store.sealedSecrets).sort()) {
    encryptedData[key] = store.sealedSecrets[key] as string;
  }
  const ingress: Record<string, string | string[]> = {};
  if (s.ingressClassName !== undefined) ingress.className = s.ingressClassName;
  if (s.clusterIssuer !== undefined) ingress.clusterIssuer = s.clusterIssuer;
  if (store.customDomains?.length) ingress.extraHosts = [...store.customDomains];
  const values = {
    store: {
      id: store.id,
      name: store.name,
      domain: store.domain,
      ...(store.primaryDomain ? { primaryDomain: store.primaryDomain } : {}),
      owner: store.ownerId,
    },
    secrets: { sealed: { enabled: true, encryptedData } },
    ...(Object.keys(ingress).length > 0 ? { ingress } : {}),
    ...(store.suspended ? { suspended: true } : {}),
    ...(store.plan ? planValues(store.plan) : {}),
  };

  return [
    { path: `${dir}/application.yaml`, content: toYaml(application, HEADER) },
    { path: `${dir}/values.yaml`, content: toYaml(values, `${HEADER}\nPut your changes in overrides.yaml beside this file.`) },
  ];
}

/** The chart values a plan sets (charts/woocommerce-store values.yaml: resources, persistence, autoscaling, quota). */
function planValues(p: RenderablePlan): Record<string, unknown> {
  const component = (c: RenderablePlan['wordpress']) => ({
    resources: {
      requests: { cpu: c.resources.requests.cpu, memory: c.resources.requests.memory },
      limits: { cpu: c.resources.limits.cpu, memory: c.resources.limits.memory },
    },
    persistence: { size: c.storage, ...(p.storageClassName ? { storageClassName: p.storageClassName } : {}) },
  });
  const hard: Record<string, string> = {};
  for (const key of Object.keys(p.resourceQuota).sort()) hard[key] = p.resourceQuota[key] as string;
  return {
    resourceQuota: { hard },
    limitRange: { persistentVolumeClaim: { max: p.maxVolume } },
    mysql: component(p.mysql),
    wordpress: component(p.wordpress),
    autoscaling: { maxReplicas: p.hpaMaxReplicas },
  };
}

const HEADER = ' Rendered by Store Platform: rewritten on every render, do not edit.';

function toYaml(value: unknown, comment: string): string {
  const doc = new Document(value, { sortMapEntries: false });
  doc.commentBefore = comment
    .split('\n')
    .map((line) => (line.startsWith(' ') ? line : ` ${line}`))
    .join('\n');
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

function validate(store: RenderableStore, s: ResolvedRenderSettings): void {
  const name = storeResourceName(store.id);
  if (!DNS_LABEL.test(store.id) || name.length > 63) {
    throw new RenderError(`store id must be a lower-case DNS label of at most 57 characters, got ${JSON.stringify(store.id)}`);
  }
  if (store.ownerId.length > 63 || !LABEL_VALUE.test(store.ownerId) || store.ownerId === '') {
    throw new RenderError(`store ${store.id}: owner id is not a valid label value`);
  }
  if (!HOST.test(store.domain)) {
    throw new RenderError(`store ${store.id}: domain ${JSON.stringify(store.domain)} is not a host name`);
  }
  for (const host of store.customDomains ?? []) {
    if (!HOST.test(host) || host === store.domain)
      throw new RenderError(`store ${store.id}: custom domain ${JSON.stringify(host)} is not a host name of its own`);
  }
  if (new Set(store.customDomains ?? []).size !== (store.customDomains ?? []).length)
    throw new RenderError(`store ${store.id}: a custom domain is listed twice`);
  if (store.primaryDomain !== undefined && !(store.customDomains ?? []).includes(store.primaryDomain)) {
    throw new RenderError(`store ${store.id}: the primary domain ${JSON.stringify(store.primaryDomain)} is not one of its custom domains`);
  }
  if (store.attempt !== undefined && (!Number.isInteger(store.attempt) || store.attempt < 0)) {
    throw new RenderError(`store ${store.id}: attempt must be a non-negative integer`);
  }
  if (store.plan && (!Number.isInteger(store.plan.hpaMaxReplicas) || store.plan.hpaMaxReplicas < 1)) {
    throw new RenderError(`store ${store.id}: plan ${store.plan.name} has no valid HPA maximum`);
  }
  if (store.name.trim() === '') throw new RenderError(`store ${store.id}: name is empty`);
  for (const [key, value] of Object.entries(store.sealedSecrets)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) throw new RenderError(`store ${store.id}: invalid secret key ${JSON.stringify(key)}`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw new RenderError(`store ${store.id}: sealed value of ${key} is not base64`);
  }
  if (s.repoUrl === '' || s.targetRevision === '') throw new RenderError('repoUrl and targetRevision are required');
  if (s.chartPath.split('/').includes('..')) throw new RenderError('chartPath must stay inside the repo');
}
