/**
 * The Argo CD application controller, simulated over the real GitOps repo, the real `helm template`
 * and the sim's cluster. What it follows (Argo CD 3.x behaviour, with the documentation it comes from):
 *
 * - Bootstrap: the root app-of-apps (`apps/root.yaml`) and the AppProjects (`projects/*.yaml`) are read
 *   from the repo and applied as an operator would with kubectl; the built-in `default` project exists.
 * - Polling: every `pollMs` (Argo CD: timeout.reconciliation, 180 s + jitter); the annotation
 *   `argocd.argoproj.io/refresh` (normal|hard) triggers an immediate refresh and is removed afterwards
 *   (https://argo-cd.readthedocs.io/en/stable/user-guide/commands/argocd_app_get/ --refresh/--hard-refresh).
 * - Spec checks against the AppProject: source repo, destination, and at sync the cluster-scoped
 *   whitelist (operator-manual/declarative-setup/#projects); violations are `InvalidSpecError`
 *   conditions, sync status Unknown, nothing applied.
 * - Comparison: live objects tracked by annotation `argocd.argoproj.io/tracking-id` (3.x default
 *   tracking method, user-guide/resource_tracking/); `status.sync` Synced/OutOfSync at the resolved
 *   revision; `status.resources` without per-resource health (3.x: resourceHealthSource appTree).
 * - Sync: dry-run of every task first (nothing is applied if one fails), then phases PreSync → Sync →
 *   PostSync, sync waves, kind order, waiting for health between waves (user-guide/sync-waves/);
 *   Helm hooks mapped to Argo CD hooks (user-guide/helm/#helm-hooks; test hooks ignored);
 *   `syncPolicy.retry` with exponential back-off; `prune` deletes resources that left Git.
 * - Automated sync is not retried for a revision whose last sync failed: condition SyncError
 *   "Failed last sync attempt to [<sha>]: <message>" (controller/appcontroller.go alreadyAttemptedSync); a new commit
 *   or an explicit sync operation (the Application's `operation` field) is needed.
 * - Deletion: with `resources-finalizer.argocd.argoproj.io` (foreground, also `/background`) the
 *   Application's resources are deleted and the Application goes when they are gone; without it the
 *   resources stay (user-guide/app_deletion/).
 */
import type { ClusterStore, KubeObject, WatchEvent } from './cluster-store.ts';
import { kubeTime, resourceName, serverDefaults } from './cluster-store.ts';
import type { GitRepos } from './git-repos.ts';
import { normalizeRepoURL } from './git-repos.ts';
import { renderManifests, parseManifests, type AppSource } from './render-manifests.ts';
import { kindInfo } from './kinds.ts';
import { validateObject } from './admission/schema.ts';
import { admitPod, admitPersistentVolumeClaim } from './admission/pod-admission.ts';
import { admitObjectCount } from './admission/object-count-quota.ts';
import { resourceHealth, rollUpHealth, type Health } from './health.ts';
import type { Faults } from './faults.ts';

export const ARGO_API = 'argoproj.io/v1alpha1';
export const TRACKING = 'argocd.argoproj.io/tracking-id';
export const REFRESH = 'argocd.argoproj.io/refresh';
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const IN_CLUSTER = 'https://kubernetes.default.svc';

export interface ArgoCdOptions {
  /** Argo CD's namespace (Applications, AppProjects). */
  namespace: string;
  /** The GitOps repo (path, file:// or http(s) URL) holding the root app and projects. */
  repoURL: string | undefined;
  /** Revision of the repo the root app and projects are read at. */
  repoRevision: string;
  rootAppPath: string;
  projectsPath: string;
  pollMs: number;
  /** Multiplies durations written in specs (retry back-off). */
  timeScale: number;
}

type Logger = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

interface Rendered {
  key: string;
  sha: string;
  objects: KubeObject[];
  sourceType: 'Helm' | 'Directory';
  error?: string;
  reconciledAt: string;
}

interface ResourceStatus {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status: string;
  requiresPruning?: boolean;
}

interface Task {
  obj: KubeObject;
  hook?: 'PreSync' | 'Sync' | 'PostSync';
  wave: number;
  deletePolicy: string[];
}

interface Operation {
  sha: string;
  source: AppSource;
  startedAt: string;
  initiatedBy: Record<string, unknown>;
  groups: Task[][];
  step: number;
  dryRunDone: boolean;
  waitingOn: Task[];
  retryCount: number;
  nextRetryAt?: number;
  prune: boolean;
  results: Record<string, unknown>[];
  message: string;
  manual: boolean;
}

const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding',
  'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'];

/**
 * What the diff looks at: no status, no server-set metadata, and none of what others add beside the
 * applied fields (the refresh annotation, an Application's `operation`) — with server-side apply those
 * belong to other field managers and do not make a resource OutOfSync.
 */
const comparableCache = new WeakMap<object, string>();

function comparable(input: KubeObject): string {
  // Stored objects are immutable and rendered ones are reused until the next render: memoise.
  const cached = comparableCache.get(input);
  if (cached !== undefined) return cached;
  const value = computeComparable(input);
  comparableCache.set(input, value);
  return value;
}

function computeComparable(input: KubeObject): string {
  const o = serverDefaults(input);
  const { status: _s, operation: _o, ...rest } = o;
  const metadata = { ...o.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  if (metadata.annotations?.[REFRESH] !== undefined) {
    const { [REFRESH]: _r, ...annotations } = metadata.annotations;
    if (Object.keys(annotations).length) metadata.annotations = annotations;
    else delete metadata.annotations;
  }
  return canonical({ ...rest, metadata });
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
}

function versionOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[1] as string) : apiVersion;
}

function resourceRef(o: KubeObject): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function trackingId(app: string, o: KubeObject): string {
  return `${app}:${groupOf(o.apiVersion)}/${o.kind}:${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const negate = pattern.startsWith('!');
  const re = new RegExp(`^${(negate ? pattern.slice(1) : pattern).replace(/[.+^$()|[\]\\{}]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value) !== negate;
}

/** Helm hooks → Argo CD hooks (https://argo-cd.readthedocs.io/en/stable/user-guide/helm/#helm-hooks). */
function hookOf(o: KubeObject): { hook?: Task['hook']; skip: boolean; deletePolicy: string[]; weight: number } {
  const a = o.metadata.annotations ?? {};
  const argo = a['argocd.argoproj.io/hook'];
  const deletePolicy = (a['argocd.argoproj.io/hook-delete-policy'] ?? a['helm.sh/hook-delete-policy'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const weight = Number(a['argocd.argoproj.io/sync-wave'] ?? a['helm.sh/hook-weight'] ?? 0) || 0;
  if (argo) {
    const first = argo.split(',')[0]?.trim();
    if (first === 'Skip') return { skip: true, deletePolicy, weight };
    if (first === 'PreSync' || first === 'Sync' || first === 'PostSync') return { hook: first, skip: false, deletePolicy, weight };
    return { skip: true, deletePolicy, weight }; // SyncFail / PostDelete: not run by the sim's sync
  }
  const helm = a['helm.sh/hook'];
  if (!helm) return { skip: false, deletePolicy, weight };
  const kinds = helm.split(',').map((s) => s.trim());
  if (kinds.some((k) => k === 'pre-install' || k === 'pre-upgrade')) return { hook: 'PreSync', skip: false, deletePolicy, weight };
  if (kinds.some((k) => k === 'post-install' || k === 'post-upgrade')) return { hook: 'PostSync', skip: false, deletePolicy, weight };
  return { skip: true, deletePolicy, weight }; // test, crd-install, *-delete, *-rollback: ignored
}

function syncOptions(o: KubeObject): string[] {
  return (o.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').map((x) => x.trim());
}

/** `helm.sh/resource-policy: keep` (Argo CD >= 2.8, argo-cd#13157) and `Prune=false` keep a resource on prune. */
function keptOnPrune(o: KubeObject): boolean {
  return o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep' || syncOptions(o).includes('Prune=false');
}

/** …and `Delete=false` keeps it when the Application is deleted. */
function keptOnDelete(o: KubeObject): boolean {
  return o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep' || syncOptions(o).includes('Delete=false');
}

export class ArgoCdController {
  readonly #store: ClusterStore;
  readonly #repos: GitRepos;
  readonly #faults: Faults;
  readonly #now: () => number;
  readonly #log: Logger;
  o: ArgoCdOptions;
  #rendered = new Map<string, Rendered>();
  #ops = new Map<string, Operation>();
  #lastPoll = 0;
  #running: Promise<void> | undefined;
  #fetchedThisTick = new Set<string>();
  #lastRepoWarning: string | undefined;
  #desiredCache = new WeakMap<Rendered, { resources: Task[]; hooks: Task[] }>();
  #liveIndex: Map<string, [string, string, string | undefined, string][]> | undefined;
  /** Number of `helm template` / directory renders (for benchmarks). */
  renders = 0;

  constructor(store: ClusterStore, repos: GitRepos, faults: Faults, options: ArgoCdOptions, log: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#repos = repos;
    this.#faults = faults;
    this.o = options;
    this.#log = log;
    this.#now = now;
    store.on('event', (e: WatchEvent) => {
      if (e.type !== 'MODIFIED' || e.object.metadata.annotations?.[TRACKING]) {
        if (e.type === 'MODIFIED' && this.#liveIndex) {
          const id = e.object.metadata.annotations?.[TRACKING] as string;
          const refs = this.#liveIndex.get(id.slice(0, id.indexOf(':')));
          if (refs?.some(([a, k, n, m]) => a === e.object.apiVersion && k === e.object.kind && n === e.object.metadata.namespace && m === e.object.metadata.name)) return;
        }
        this.#liveIndex = undefined;
      }
    });
  }

  reset(): void {
    this.#rendered.clear();
    this.#ops.clear();
    this.#lastPoll = 0;
  }

  /** Forces a repo poll at the next tick. */
  requestPoll(): void {
    this.#lastPoll = 0;
  }

  /** One controller pass; concurrent calls share the running pass. */
  tick(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#tick().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #tick(): Promise<void> {
    this.#fetchedThisTick.clear();
    this.#repos.invalidate();
    this.#ensureDefaultProject();
    const pollDue = this.#now() - this.#lastPoll >= this.o.pollMs;
    if (pollDue) {
      this.#lastPoll = this.#now();
      await this.#bootstrapFromRepo();
    }
    for (const app of this.#store.list(ARGO_API, 'Application', { namespace: this.o.namespace })) {
      try {
        await this.#reconcile(app, pollDue);
      } catch (err) {
        this.#log('error', 'reconcile failed', { app: app.metadata.name, err: (err as Error).message });
      }
    }
  }

  #ensureDefaultProject(): void {
    if (this.#store.get(ARGO_API, 'AppProject', this.o.namespace, 'default')) return;
    this.#store.create({
      apiVersion: ARGO_API,
      kind: 'AppProject',
      metadata: { name: 'default', namespace: this.o.namespace },
      spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
    });
  }

  async #fetch(url: string): Promise<void> {
    const key = normalizeRepoURL(url);
    if (this.#fetchedThisTick.has(key)) return;
    this.#fetchedThisTick.add(key);
    await this.#repos.fetch(url);
  }

  /** Applies the AppProjects and the root app found in the repo (the operator's `kubectl apply`). */
  async #bootstrapFromRepo(): Promise<void> {
    const url = this.o.repoURL;
    if (!url) return;
    let sha: string;
    try {
      await this.#fetch(url);
      sha = await this.#repos.resolve(url, this.o.repoRevision);
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.#lastRepoWarning) this.#log('warn', 'GitOps repo not readable yet', { repoURL: url, err: message });
      this.#lastRepoWarning = message;
      return;
    }
    if (this.#lastRepoWarning) this.#log('info', 'GitOps repo readable', { repoURL: url, revision: sha });
    this.#lastRepoWarning = undefined;
    const docs: KubeObject[] = [];
    for (const f of await this.#repos.listFiles(url, sha, this.o.projectsPath)) {
      if (!/\.ya?ml$/.test(f)) continue;
      const text = await this.#repos.readFile(url, sha, `${this.o.projectsPath}/${f}`);
      if (text) docs.push(...parseManifests(text, f));
    }
    const root = await this.#repos.readFile(url, sha, this.o.rootAppPath);
    if (root) docs.push(...parseManifests(root, this.o.rootAppPath));
    for (const d of docs) {
      if (d.apiVersion !== ARGO_API || (d.kind !== 'AppProject' && d.kind !== 'Application')) continue;
      d.metadata = { ...d.metadata, namespace: d.metadata?.namespace ?? this.o.namespace };
      const errors = validateObject(d);
      if (errors.length) {
        this.#log('error', `invalid ${d.kind} in GitOps repo`, { name: d.metadata.name, errors });
        continue;
      }
      const live = this.#store.get(ARGO_API, d.kind, d.metadata.namespace, d.metadata.name);
      if (live && comparable({ ...live, operation: undefined }) === comparable(d)) continue;
      this.#store.put({ ...d, ...(live?.status ? { status: live.status } : {}) });
    }
  }

  #project(name: string): KubeObject | undefined {
    return this.#store.get(ARGO_API, 'AppProject', this.o.namespace, name);
  }

  #destinationPermitted(project: KubeObject, server: string, namespace: string): boolean {
    return ((project.spec?.destinations ?? []) as { server?: string; name?: string; namespace?: string }[]).some(
      (d) => (d.server ? globMatch(d.server, server) : d.name ? globMatch(d.name, 'in-cluster') : false) && globMatch(d.namespace ?? '*', namespace),
    );
  }

  /** InvalidSpecError messages of an Application against its project (Argo CD wording). */
  #specErrors(app: KubeObject): string[] {
    const spec = app.spec ?? {};
    const projectName: string = spec.project ?? 'default';
    const project = this.#project(projectName);
    if (!project) return [`Application referencing project ${projectName} which does not exist`];
    const errors: string[] = [];
    const source = spec.source as AppSource | undefined;
    if (!source?.repoURL) errors.push('spec.source.repoURL and either spec.source.path, spec.source.chart, or spec.source.ref are required');
    else if (!((project.spec?.sourceRepos ?? []) as string[]).some((p) => globMatch(normalizeRepoURL(p), normalizeRepoURL(source.repoURL)))) {
      errors.push(`application repo ${source.repoURL} is not permitted in project '${projectName}'`);
    }
    const dest = spec.destination ?? {};
    const server: string = dest.server ?? (dest.name === 'in-cluster' ? IN_CLUSTER : '');
    if (!server) errors.push(`unable to find destination server: there are no clusters with this name: ${dest.name}`);
    else if (!this.#destinationPermitted(project, server, dest.namespace ?? '')) {
      errors.push(`application destination server '${server}' and namespace '${dest.namespace ?? ''}' do not match any of the allowed destinations in project '${projectName}'`);
    } else if (server !== IN_CLUSTER) {
      errors.push(`unable to find destination server: there are no clusters with this URL: ${server}`);
    }
    return errors;
  }

  /** Resource-level project checks (cluster-scoped whitelist, namespace destinations). */
  #resourceNotPermitted(app: KubeObject, o: KubeObject): string | undefined {
    const projectName: string = app.spec?.project ?? 'default';
    const project = this.#project(projectName);
    if (!project) return `Application referencing project ${projectName} which does not exist`;
    const info = kindInfo(o.apiVersion, o.kind);
    const group = groupOf(o.apiVersion);
    const matches = (list: { group: string; kind: string }[] | undefined) => (list ?? []).some((x) => globMatch(x.group, group) && globMatch(x.kind, o.kind));
    if (info && !info.namespaced) {
      if (!matches(project.spec?.clusterResourceWhitelist) || matches(project.spec?.clusterResourceBlacklist)) {
        return `Resource ${group}:${o.kind} is not permitted in project ${projectName}.`;
      }
      if (o.kind === 'Namespace' && !this.#destinationPermitted(project, IN_CLUSTER, o.metadata.name)) {
        return `namespace ${o.metadata.name} is not permitted in project '${projectName}'`;
      }
      return undefined;
    }
    if (matches(project.spec?.namespaceResourceBlacklist) || (project.spec?.namespaceResourceWhitelist && !matches(project.spec.namespaceResourceWhitelist))) {
      return `Resource ${group}:${o.kind} is not permitted in project ${projectName}.`;
    }
    if (!this.#destinationPermitted(project, IN_CLUSTER, o.metadata.namespace ?? '')) {
      return `namespace ${o.metadata.namespace} is not permitted in project '${projectName}'`;
    }
    return undefined;
  }

  /** Live objects tracked by an Application (index of refs rebuilt only when objects come or go). */
  #live(appName: string): KubeObject[] {
    if (!this.#liveIndex) {
      const index = new Map<string, [string, string, string | undefined, string][]>();
      for (const o of this.#store.scan()) {
        const id = o.metadata.annotations?.[TRACKING];
        if (!id) continue;
        const app = id.slice(0, id.indexOf(':'));
        if (id !== trackingId(app, o)) continue;
        (index.get(app) ?? index.set(app, []).get(app))?.push([o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name]);
      }
      this.#liveIndex = index;
    }
    const out: KubeObject[] = [];
    for (const [apiVersion, kind, ns, name] of this.#liveIndex.get(appName) ?? []) {
      const o = this.#store.get(apiVersion, kind, ns, name);
      if (o && o.metadata.annotations?.[TRACKING] === trackingId(appName, o)) out.push(o);
    }
    return out;
  }

  async #render(app: KubeObject, force: boolean, hard: boolean): Promise<Rendered> {
    const source = app.spec.source as AppSource;
    const namespace: string = app.spec.destination?.namespace ?? '';
    const cached = this.#rendered.get(app.metadata.uid as string);
    if (cached && !force) return cached;
    const reconciledAt = kubeTime(this.#now());
    let sha: string;
    try {
      await this.#fetch(source.repoURL);
      sha = await this.#repos.resolve(source.repoURL, source.targetRevision);
    } catch (err) {
      const r: Rendered = { key: '', sha: cached?.sha ?? '', objects: [], sourceType: 'Directory', error: `Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = ${(err as Error).message}`, reconciledAt };
      this.#rendered.set(app.metadata.uid as string, r);
      return r;
    }
    const key = canonical({ source, namespace, sha, name: app.metadata.name });
    if (cached && cached.key === key && !hard && !cached.error) {
      const r = { ...cached, reconciledAt };
      this.#rendered.set(app.metadata.uid as string, r);
      return r;
    }
    let r: Rendered;
    try {
      this.renders++;
      const { objects, sourceType } = await renderManifests({ repos: this.#repos, source, sha, appName: app.metadata.name, namespace, delayMs: this.#faults.delayMs() });
      r = { key, sha, objects, sourceType, reconciledAt };
    } catch (err) {
      const msg = (err as Error).message;
      r = { key, sha, objects: [], sourceType: 'Helm', error: `Failed to load target state: ${msg.startsWith('failed to generate') ? msg : `failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = ${msg}`}`, reconciledAt };
    }
    this.#rendered.set(app.metadata.uid as string, r);
    return r;
  }

  /** Desired objects with destination namespace and tracking annotation, split into resources and hooks. */
  #desired(app: KubeObject, rendered: Rendered): { resources: Task[]; hooks: Task[] } {
    const cached = this.#desiredCache.get(rendered);
    if (cached) return cached;
    const value = this.#computeDesired(app, rendered);
    this.#desiredCache.set(rendered, value);
    return value;
  }

  #computeDesired(app: KubeObject, rendered: Rendered): { resources: Task[]; hooks: Task[] } {
    const namespace: string = app.spec.destination?.namespace ?? '';
    const resources: Task[] = [];
    const hooks: Task[] = [];
    for (const raw of rendered.objects) {
      const o = structuredClone(raw);
      if (!o.metadata || typeof o.metadata !== 'object') o.metadata = { name: '' };
      const info = kindInfo(o.apiVersion, o.kind);
      if (info?.namespaced !== false && !o.metadata.namespace) o.metadata.namespace = namespace;
      if (info && !info.namespaced) delete o.metadata.namespace;
      const h = hookOf(o);
      if (h.skip) continue;
      o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [TRACKING]: trackingId(app.metadata.name, o) };
      const task: Task = { obj: o, wave: h.weight, deletePolicy: h.deletePolicy, ...(h.hook ? { hook: h.hook } : {}) };
      (h.hook ? hooks : resources).push(task);
    }
    return { resources, hooks };
  }

  async #reconcile(app: KubeObject, pollDue: boolean): Promise<void> {
    if (app.metadata.deletionTimestamp) {
      this.#finalize(app);
      return;
    }
    const refresh = app.metadata.annotations?.[REFRESH];
    const uid = app.metadata.uid as string;
    const previous = this.#rendered.get(uid);
    const specErrors = this.#specErrors(app);
    const nowTs = kubeTime(this.#now());
    const conditions: { type: string; message: string; lastTransitionTime: string }[] = [];
    const keepTime = (type: string, message: string) => {
      const old = ((app.status?.conditions ?? []) as { type: string; message: string; lastTransitionTime: string }[]).find((c) => c.type === type && c.message === message);
      return { type, message, lastTransitionTime: old?.lastTransitionTime ?? nowTs };
    };
    const base = {
      sync: { status: 'Unknown', comparedTo: { source: app.spec?.source, destination: app.spec?.destination } },
      resourceHealthSource: 'appTree',
      controllerNamespace: this.o.namespace,
    };
    if (specErrors.length) {
      if (refresh) this.#clearRefresh(app);
      for (const e of specErrors) conditions.push(keepTime('InvalidSpecError', e));
      this.#writeStatus(app, {
        ...base,
        health: { status: 'Unknown', lastTransitionTime: app.status?.health?.status === 'Unknown' ? app.status.health.lastTransitionTime : nowTs },
        conditions,
        reconciledAt: previous?.reconciledAt ?? nowTs,
        ...(app.status?.operationState ? { operationState: app.status.operationState } : {}),
        ...(app.status?.history ? { history: app.status.history } : {}),
      });
      return;
    }
    const force = pollDue || !!refresh || !previous || previous.key === '' ;
    const rendered = await this.#render(app, force, refresh === 'hard');
    if (refresh) this.#clearRefresh(app);
    const fresh = this.#store.get(ARGO_API, 'Application', app.metadata.namespace, app.metadata.name);
    if (!fresh || fresh.metadata.deletionTimestamp) return;
    app = fresh;
    if (rendered.error) {
      conditions.push(keepTime('ComparisonError', rendered.error));
      this.#writeStatus(app, {
        ...base,
        ...(rendered.sha ? { sync: { ...base.sync, revision: rendered.sha } } : {}),
        health: app.status?.health ?? { status: 'Unknown', lastTransitionTime: nowTs },
        conditions,
        reconciledAt: rendered.reconciledAt,
        ...(app.status?.operationState ? { operationState: app.status.operationState } : {}),
        ...(app.status?.history ? { history: app.status.history } : {}),
      });
      return;
    }
    const { resources, hooks } = this.#desired(app, rendered);
    const automated = app.spec?.syncPolicy?.automated;
    // Operations: a running one continues; an explicit one (the `operation` field) starts; otherwise
    // automated sync decides.
    let op = this.#ops.get(uid);
    const compare = () => this.#compare(app, resources);
    let cmp = compare();
    let autoSkipCondition: string | undefined;
    if (!op && app.status?.operationState?.phase === 'Running') {
      // An operation interrupted by a restart of the controller is resumed, as Argo CD does.
      const state = app.status.operationState;
      op = this.#startOperation(app, rendered, resources, hooks, state.operation?.initiatedBy ?? { automated: true }, !!state.operation?.sync?.prune, !!app.operation);
      op.startedAt = state.startedAt ?? op.startedAt;
    } else if (!op && app.operation && typeof app.operation === 'object') {
      const requested = (app.operation as { sync?: { revision?: string; prune?: boolean } }).sync ?? {};
      op = this.#startOperation(app, rendered, resources, hooks, { username: 'admin' }, requested.prune ?? !!automated?.prune, true);
    } else if (!op && automated && automated.enabled !== false && cmp.status === 'OutOfSync') {
      const last = app.status?.operationState;
      const lastRevision: string | undefined = last?.syncResult?.revision ?? last?.operation?.sync?.revision;
      const alreadyAttempted = lastRevision === rendered.sha && canonical(last?.syncResult?.source ?? app.spec.source) === canonical(app.spec.source);
      const succeeded = last?.phase === 'Succeeded';
      const onlyPrune = cmp.resources.every((r) => r.status === 'Synced' || r.requiresPruning);
      if (alreadyAttempted && !succeeded) {
        autoSkipCondition = `Failed last sync attempt to [${rendered.sha}]: ${last?.message ?? ''}`;
      } else if (alreadyAttempted && !automated.selfHeal) {
        // "Skipping auto-sync: most recent sync already to <sha>" — nothing to do.
      } else if (onlyPrune && !automated.prune) {
        // Only pruning is needed and automated prune is off.
      } else {
        op = this.#startOperation(app, rendered, resources, hooks, { automated: true }, !!automated.prune, false);
      }
    }
    let operationState = app.status?.operationState;
    let history = app.status?.history as unknown[] | undefined;
    if (op) {
      const done = this.#progress(app, op);
      operationState = this.#operationState(app, op, done);
      if (done) {
        this.#ops.delete(uid);
        if (done === 'Succeeded') {
          const entry = { id: (history?.length ?? 0), revision: op.sha, deployStartedAt: op.startedAt, deployedAt: kubeTime(this.#now()), source: op.source, initiatedBy: op.initiatedBy };
          history = [...(history ?? []), entry].slice(-10);
        }
        if (op.manual && app.operation) {
          const latest = this.#store.get(ARGO_API, 'Application', app.metadata.namespace, app.metadata.name);
          if (latest) {
            const { operation: _op, ...rest } = latest;
            this.#store.put(rest as KubeObject);
          }
        }
      }
      cmp = compare();
    }
    if (autoSkipCondition) conditions.push(keepTime('SyncError', autoSkipCondition));
    const health = rollUpHealth(cmp.entries);
    const images = new Set<string>();
    const urls = new Set<string>();
    for (const e of cmp.entries) {
      const live = e.live;
      if (!live) continue;
      for (const c of [...(live.spec?.template?.spec?.containers ?? []), ...(live.spec?.containers ?? [])] as { image?: string }[]) if (c.image) images.add(c.image);
      if (live.kind === 'Ingress') {
        const tls = (live.spec?.tls ?? []).length > 0;
        for (const r of (live.spec?.rules ?? []) as { host?: string }[]) if (r.host) urls.add(`${tls ? 'https' : 'http'}://${r.host}`);
      }
    }
    this.#writeStatus(app, {
      ...base,
      sync: { status: cmp.status, revision: rendered.sha, comparedTo: base.sync.comparedTo },
      health: { status: health.status, lastTransitionTime: app.status?.health?.status === health.status ? app.status.health.lastTransitionTime ?? nowTs : nowTs },
      resources: cmp.resources,
      sourceType: rendered.sourceType,
      summary: { ...(images.size ? { images: [...images].sort() } : {}), ...(urls.size ? { externalURLs: [...urls].sort() } : {}) },
      reconciledAt: rendered.reconciledAt,
      ...(conditions.length ? { conditions } : {}),
      ...(operationState ? { operationState } : {}),
      ...(history ? { history } : {}),
    });
  }

  #clearRefresh(app: KubeObject): void {
    this.#store.patchMetadata(app, (m) => {
      if (m.annotations) delete m.annotations[REFRESH];
    });
  }

  #writeStatus(app: KubeObject, status: Record<string, unknown>): void {
    const current = this.#store.get(ARGO_API, 'Application', app.metadata.namespace, app.metadata.name);
    if (!current) return;
    this.#store.setStatus(current, status);
  }

  #compare(app: KubeObject, desired: Task[]): { status: 'Synced' | 'OutOfSync'; resources: ResourceStatus[]; entries: { live: KubeObject | undefined }[] } {
    const live = this.#live(app.metadata.name).filter((o) => !hookOf(o).hook);
    const liveByRef = new Map(live.map((o) => [resourceRef(o), o]));
    const resources: ResourceStatus[] = [];
    const entries: { live: KubeObject | undefined }[] = [];
    let outOfSync = false;
    const desiredRefs = new Set<string>();
    for (const t of desired) {
      const ref = resourceRef(t.obj);
      desiredRefs.add(ref);
      const l = liveByRef.get(ref) ?? this.#store.get(t.obj.apiVersion, t.obj.kind, t.obj.metadata.namespace, t.obj.metadata.name);
      const tracked = l && l.metadata.annotations?.[TRACKING] === trackingId(app.metadata.name, t.obj);
      const synced = !!l && tracked && comparable(l) === comparable(t.obj);
      if (!synced) outOfSync = true;
      entries.push({ live: tracked ? l : undefined });
      resources.push({
        ...(groupOf(t.obj.apiVersion) ? { group: groupOf(t.obj.apiVersion) } : {}),
        version: versionOf(t.obj.apiVersion),
        kind: t.obj.kind,
        ...(t.obj.metadata.namespace ? { namespace: t.obj.metadata.namespace } : {}),
        name: t.obj.metadata.name,
        status: synced ? 'Synced' : 'OutOfSync',
      });
    }
    for (const l of live) {
      if (desiredRefs.has(resourceRef(l))) continue;
      outOfSync = true;
      resources.push({
        ...(groupOf(l.apiVersion) ? { group: groupOf(l.apiVersion) } : {}),
        version: versionOf(l.apiVersion),
        kind: l.kind,
        ...(l.metadata.namespace ? { namespace: l.metadata.namespace } : {}),
        name: l.metadata.name,
        status: 'OutOfSync',
        requiresPruning: true,
      });
    }
    resources.sort((a, b) => `${a.group ?? ''}/${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.group ?? ''}/${b.kind}/${b.namespace ?? ''}/${b.name}`));
    return { status: outOfSync ? 'OutOfSync' : 'Synced', resources, entries };
  }

  #startOperation(app: KubeObject, rendered: Rendered, resources: Task[], hooks: Task[], initiatedBy: Record<string, unknown>, prune: boolean, manual: boolean): Operation {
    const phaseRank = { PreSync: 0, Sync: 1, PostSync: 2 } as const;
    const tasks = [...resources, ...hooks].sort(
      (a, b) =>
        phaseRank[a.hook ?? 'Sync'] - phaseRank[b.hook ?? 'Sync'] ||
        a.wave - b.wave ||
        kindRank(a.obj.kind) - kindRank(b.obj.kind) ||
        a.obj.metadata.name.localeCompare(b.obj.metadata.name),
    );
    const groups: Task[][] = [];
    let key = '';
    for (const t of tasks) {
      const k = `${t.hook ?? 'Sync'}:${t.wave}`;
      if (k !== key || !groups.length) groups.push([]);
      key = k;
      (groups[groups.length - 1] as Task[]).push(t);
    }
    const op: Operation = {
      sha: rendered.sha,
      source: app.spec.source,
      startedAt: kubeTime(this.#now()),
      initiatedBy,
      groups,
      step: 0,
      dryRunDone: false,
      waitingOn: [],
      retryCount: 0,
      prune,
      results: [],
      message: 'waiting to start',
      manual,
    };
    this.#ops.set(app.metadata.uid as string, op);
    this.#log('info', 'sync started', { app: app.metadata.name, revision: rendered.sha, initiatedBy });
    return op;
  }

  #operationState(app: KubeObject, op: Operation, done: 'Succeeded' | 'Failed' | undefined): Record<string, unknown> {
    return {
      operation: {
        sync: { revision: op.sha, ...(op.prune ? { prune: true } : {}), syncStrategy: { hook: {} } },
        initiatedBy: op.initiatedBy,
        ...(app.spec?.syncPolicy?.retry ? { retry: app.spec.syncPolicy.retry } : {}),
      },
      phase: done ?? 'Running',
      message: op.message,
      startedAt: op.startedAt,
      ...(done ? { finishedAt: kubeTime(this.#now()) } : {}),
      ...(op.retryCount ? { retryCount: op.retryCount } : {}),
      syncResult: { revision: op.sha, source: op.source, resources: op.results },
    };
  }

  #result(t: Task, status: string, message: string): Record<string, unknown> {
    const o = t.obj;
    return {
      group: groupOf(o.apiVersion),
      version: versionOf(o.apiVersion),
      kind: o.kind,
      namespace: o.metadata.namespace ?? '',
      name: o.metadata.name,
      status,
      message,
      ...(t.hook ? { hookType: t.hook, hookPhase: status === 'SyncFailed' ? 'Failed' : 'Running' } : {}),
      syncPhase: t.hook ?? 'Sync',
    };
  }

  /** Validation of one object as the API server's dry run would do it; the error message or undefined. */
  #dryRun(app: KubeObject, o: KubeObject, namespacesInSync: Set<string>): string | undefined {
    const info = kindInfo(o.apiVersion, o.kind);
    if (!info) {
      return `The Kubernetes API could not find ${groupOf(o.apiVersion) || 'core'}/${o.kind} for requested resource ${o.metadata.namespace ?? ''}/${o.metadata.name}. Make sure the "${o.kind}" CRD is installed on the destination cluster.`;
    }
    const notPermitted = this.#resourceNotPermitted(app, o);
    if (notPermitted) return notPermitted;
    const errors = validateObject(o);
    if (errors.length) {
      const unknown = errors.filter((e) => e.endsWith('field not declared in schema'));
      if (unknown.length) return `failed to create typed patch object (${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}; ${o.apiVersion}, Kind=${o.kind}): ${unknown.join('\n')}`;
      const gk = info.group ? `${info.kind}.${info.group}` : info.kind;
      return `${gk} ${JSON.stringify(o.metadata.name)} is invalid: ${errors.length > 1 ? `[${errors.join(', ')}]` : errors[0]}`;
    }
    if (info.namespaced) {
      const ns = o.metadata.namespace as string;
      const live = this.#store.get('v1', 'Namespace', undefined, ns);
      if (!live && !namespacesInSync.has(ns)) return `namespaces ${JSON.stringify(ns)} not found`;
      if (live?.metadata.deletionTimestamp) return `${resourceName(o)} ${JSON.stringify(o.metadata.name)} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`;
    }
    const existing = this.#store.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    if (existing && o.kind === 'Job' && canonical(existing.spec?.template) !== canonical(o.spec?.template) && !hookOf(o).hook) {
      return `Job.batch ${JSON.stringify(o.metadata.name)} is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable`;
    }
    if (existing && o.kind === 'PersistentVolumeClaim') {
      const strip = (s: Record<string, unknown> | undefined) => canonical({ ...(s ?? {}), resources: undefined, volumeName: undefined });
      if (strip(existing.spec) !== strip(o.spec)) {
        return `PersistentVolumeClaim ${JSON.stringify(o.metadata.name)} is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims`;
      }
    }
    if (!existing && info.namespaced) {
      const quotas = this.#store.list('v1', 'ResourceQuota', { namespace: o.metadata.namespace });
      const refused = quotas.length ? admitObjectCount(o, quotas, this.#store.listNamespace(o.metadata.namespace as string)) : undefined;
      if (refused) return refused;
    }
    if (!existing && o.kind === 'PersistentVolumeClaim') {
      const quota = admitPersistentVolumeClaim(o, this.#store.list('v1', 'ResourceQuota', { namespace: o.metadata.namespace }), this.#store.list('v1', 'PersistentVolumeClaim', { namespace: o.metadata.namespace }));
      if (quota) return quota;
    }
    if (o.kind === 'Pod') {
      const ns = this.#store.get('v1', 'Namespace', undefined, o.metadata.namespace as string);
      const r = admitPod(o, {
        namespaceLabels: ns?.metadata.labels,
        limitRanges: this.#store.list('v1', 'LimitRange', { namespace: o.metadata.namespace }),
        resourceQuotas: this.#store.list('v1', 'ResourceQuota', { namespace: o.metadata.namespace }),
        pods: this.#store.list('v1', 'Pod', { namespace: o.metadata.namespace }),
      });
      if (!r.allowed) return r.message;
    }
    return undefined;
  }

  #apply(o: KubeObject): string {
    const existing = this.#store.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    const name = `${resourceName(o).replace(/s(\.|$)/, '$1')}/${o.metadata.name}`;
    if (existing && comparable(existing) === comparable(o)) return `${name} unchanged`;
    const next: KubeObject = { ...o, ...(existing?.status ? { status: existing.status } : {}), ...(existing?.operation ? { operation: existing.operation } : {}) };
    const refresh = existing?.metadata.annotations?.[REFRESH];
    if (refresh !== undefined) next.metadata = { ...next.metadata, annotations: { ...(next.metadata.annotations ?? {}), [REFRESH]: refresh } };
    if (existing?.metadata.ownerReferences && !o.metadata.ownerReferences) next.metadata = { ...next.metadata, ownerReferences: existing.metadata.ownerReferences };
    if (o.kind === 'Pod' && existing) this.#store.delete('v1', 'Pod', o.metadata.namespace, o.metadata.name);
    this.#store.put(next);
    return `${name} ${existing ? 'configured' : 'created'}`;
  }

  /** Advances a sync operation; returns its final phase when it ends. */
  #progress(app: KubeObject, op: Operation): 'Succeeded' | 'Failed' | undefined {
    if (op.nextRetryAt !== undefined) {
      if (this.#now() < op.nextRetryAt) return undefined;
      op.nextRetryAt = undefined;
    }
    const fail = (message: string): 'Failed' | undefined => {
      const retry = app.spec?.syncPolicy?.retry as { limit?: number; backoff?: { duration?: string; factor?: number; maxDuration?: string } } | undefined;
      const limit = retry?.limit ?? 0;
      if (retry && (limit < 0 || op.retryCount < limit)) {
        const seconds = (s: string | undefined, d: number) => {
          const m = /^(\d+)(s|m|h)?$/.exec(s ?? '');
          return m ? Number(m[1]) * (m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : 1) : d;
        };
        const base = seconds(retry.backoff?.duration, 5);
        const factor = retry.backoff?.factor ?? 2;
        const max = seconds(retry.backoff?.maxDuration, 180);
        const delayS = Math.min(base * factor ** op.retryCount, max);
        op.retryCount += 1;
        op.nextRetryAt = this.#now() + delayS * 1000 * this.o.timeScale;
        op.step = 0;
        op.dryRunDone = false;
        op.waitingOn = [];
        const at = new Date(op.nextRetryAt).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).replace(' ', '');
        op.message = `Retrying attempt #${op.retryCount} at ${at}: ${message}`;
        this.#log('warn', 'sync failed, retrying', { app: app.metadata.name, attempt: op.retryCount, message });
        return undefined;
      }
      op.message = op.retryCount ? `${message} (retried ${op.retryCount} times).` : message;
      this.#log('warn', 'sync failed', { app: app.metadata.name, revision: op.sha, message: op.message });
      return 'Failed';
    };
    if (!op.dryRunDone) {
      op.results = [];
      const injected = this.#faults.syncFailure(app.metadata.name);
      if (injected) return fail(injected);
      const namespaces = new Set<string>();
      for (const g of op.groups) for (const t of g) if (t.obj.kind === 'Namespace') namespaces.add(t.obj.metadata.name);
      if ((app.spec?.syncPolicy?.syncOptions ?? []).includes('CreateNamespace=true')) namespaces.add(app.spec.destination?.namespace);
      const invalid: string[] = [];
      const failed: string[] = [];
      for (const g of op.groups) {
        for (const t of g) {
          const err = this.#dryRun(app, t.obj, namespaces);
          if (!err) continue;
          op.results.push(this.#result(t, 'SyncFailed', err));
          if (err.includes('is not permitted in project') || err.startsWith('The Kubernetes API could not find')) invalid.push(err);
          else failed.push(err);
        }
      }
      if (invalid.length) return fail('one or more synchronization tasks are not valid');
      // gitops-engine sync_context.go: a failed dry run fails the whole operation before anything is applied.
      if (failed.length) return fail(`one or more objects failed to apply (dry run), reason: ${failed.join(',')}`);
      op.dryRunDone = true;
      const ns: string | undefined = app.spec.destination?.namespace;
      if ((app.spec?.syncPolicy?.syncOptions ?? []).includes('CreateNamespace=true') && ns && !this.#store.get('v1', 'Namespace', undefined, ns)) {
        this.#store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      }
    }
    while (op.step <= op.groups.length) {
      if (op.waitingOn.length) {
        for (const t of op.waitingOn) {
          const live = this.#store.get(t.obj.apiVersion, t.obj.kind, t.obj.metadata.namespace, t.obj.metadata.name);
          const h: Health | undefined = live ? resourceHealth(live) : t.hook ? { status: 'Healthy' } : { status: 'Missing' };
          if (h?.status === 'Degraded') {
            const ref = `${groupOf(t.obj.apiVersion)}/${t.obj.kind}/${t.obj.metadata.name}`;
            return fail(`one or more synchronization tasks completed unsuccessfully, reason: ${h.message ?? `${ref} is Degraded`}`);
          }
          if (h && h.status !== 'Healthy' && h.status !== 'Suspended') {
            op.message = t.hook
              ? `waiting for completion of hook ${groupOf(t.obj.apiVersion)}/${t.obj.kind}/${t.obj.metadata.name}`
              : `waiting for healthy state of ${groupOf(t.obj.apiVersion)}/${t.obj.kind}/${t.obj.metadata.name}`;
            return undefined;
          }
        }
        for (const t of op.waitingOn) {
          if (t.hook && t.deletePolicy.includes('HookSucceeded') || t.deletePolicy.includes('hook-succeeded')) {
            this.#store.delete(t.obj.apiVersion, t.obj.kind, t.obj.metadata.namespace, t.obj.metadata.name);
          }
        }
        op.waitingOn = [];
      }
      if (op.step === op.groups.length) break;
      const group = op.groups[op.step] as Task[];
      const errors: string[] = [];
      for (const t of group) {
        try {
          if (t.hook) {
            // Hooks are recreated on every sync (BeforeHookCreation, Argo CD's default for Helm hooks).
            const existing = this.#store.get(t.obj.apiVersion, t.obj.kind, t.obj.metadata.namespace, t.obj.metadata.name);
            if (existing) this.#store.remove(existing);
          }
          const err = this.#dryRun(app, t.obj, new Set());
          if (err) {
            errors.push(err);
            op.results.push(this.#result(t, 'SyncFailed', err));
            continue;
          }
          const msg = this.#apply(t.obj);
          op.results.push(this.#result(t, 'Synced', msg));
        } catch (err) {
          errors.push((err as Error).message);
          op.results.push(this.#result(t, 'SyncFailed', (err as Error).message));
        }
      }
      if (errors.length) return fail(`one or more objects failed to apply, reason: ${errors.join(',')}`);
      op.step += 1;
      // Argo CD waits for a wave to be healthy only when something comes after it; hooks always.
      const needsWait = op.step < op.groups.length || group.some((t) => t.hook);
      if (needsWait) op.waitingOn = group;
      if (!needsWait) break;
    }
    if (op.step < op.groups.length || op.waitingOn.length) return undefined;
    if (op.prune) {
      const desired = new Set(op.groups.flat().map((t) => resourceRef(t.obj)));
      for (const l of this.#live(app.metadata.name)) {
        if (desired.has(resourceRef(l)) || hookOf(l).hook || keptOnPrune(l)) continue;
        this.#store.delete(l.apiVersion, l.kind, l.metadata.namespace, l.metadata.name);
        op.results.push({ group: groupOf(l.apiVersion), version: versionOf(l.apiVersion), kind: l.kind, namespace: l.metadata.namespace ?? '', name: l.metadata.name, status: 'Pruned', message: 'pruned', syncPhase: 'Sync' });
      }
    }
    op.message = 'successfully synced (all tasks run)';
    this.#log('info', 'sync succeeded', { app: app.metadata.name, revision: op.sha });
    return 'Succeeded';
  }

  /** The resources finalizer: delete what the Application manages, then let the Application go. */
  #finalize(app: KubeObject): void {
    const finalizers = app.metadata.finalizers ?? [];
    const ours = finalizers.filter((f) => f === RESOURCES_FINALIZER || f.startsWith(`${RESOURCES_FINALIZER}/`));
    this.#ops.delete(app.metadata.uid as string);
    if (!ours.length) return;
    const live = this.#live(app.metadata.name).filter((l) => !keptOnDelete(l));
    for (const l of live) if (!l.metadata.deletionTimestamp) this.#store.delete(l.apiVersion, l.kind, l.metadata.namespace, l.metadata.name);
    const background = ours.every((f) => f.endsWith('/background'));
    if (!background && this.#live(app.metadata.name).some((l) => !keptOnDelete(l))) return;
    this.#rendered.delete(app.metadata.uid as string);
    this.#log('info', 'application resources deleted, removing finalizer', { app: app.metadata.name });
    this.#store.patchMetadata(app, (m) => {
      m.finalizers = (m.finalizers ?? []).filter((f) => !ours.includes(f));
    });
  }
}

