/**
 * The Argo CD application controller, simulated over the real GitOps repo, the real `helm template`
 * and the sim's cluster (Argo CD 3.x behaviour, with the documentation it comes from). This file is the
 * reconcile loop (argo-cd controller/appcontroller.go); the rules it applies live beside it:
 * project-policy.ts (AppProject checks), diff.ts (comparison), sync-operation.ts (the sync), hooks.ts,
 * waves.ts, finalizer.ts (deletion), tracking.ts (resource tracking).
 *
 * - Bootstrap: the root app-of-apps (`apps/root.yaml`) and the AppProjects (`projects/*.yaml`) are read
 *   from the repo and applied as an operator would with kubectl; the built-in `default` project exists.
 * - Polling: every `pollMs` (Argo CD: timeout.reconciliation, 180 s + jitter); the annotation
 *   `argocd.argoproj.io/refresh` (normal|hard) triggers an immediate refresh and is removed afterwards
 *   (https://argo-cd.readthedocs.io/en/stable/user-guide/commands/argocd_app_get/ --refresh/--hard-refresh).
 * - Comparison: `status.sync` Synced/OutOfSync at the resolved revision; `status.resources` without
 *   per-resource health (3.x: resourceHealthSource appTree).
 * - Automated sync is not retried for a revision whose last sync failed: condition SyncError
 *   "Failed last sync attempt to [<sha>]: <message>" (controller/appcontroller.go alreadyAttemptedSync); a new commit
 *   or an explicit sync operation (the Application's `operation` field) is needed.
 */
import type { ClusterStore, KubeObject } from '../cluster-store.ts';
import { kubeTime } from '../cluster-store.ts';
import type { GitRepos } from '../git-repos.ts';
import { normalizeRepoURL } from '../git-repos.ts';
import { renderManifests, parseManifests, RenderCache, type AppSource } from '../render-manifests.ts';
import { validateObject } from '../admission/schema.ts';
import { rollUpHealth } from '../health.ts';
import type { Faults } from '../faults.ts';
import { canonical, comparable, compare } from './diff.ts';
import { finalizeApplication } from './finalizer.ts';
import { desiredTasks } from './hooks.ts';
import { specErrors } from './project-policy.ts';
import { newOperation, operationState as operationStateOf, progress, type Operation, type SyncContext } from './sync-operation.ts';
import { ARGO_API, REFRESH, TrackedObjects, type Logger } from './tracking.ts';
import type { Task } from './waves.ts';

export { ARGO_API, IN_CLUSTER, REFRESH, RESOURCES_FINALIZER, TRACKING } from './tracking.ts';

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

interface Rendered {
  key: string;
  sha: string;
  objects: KubeObject[];
  sourceType: 'Helm' | 'Directory';
  error?: string;
  reconciledAt: string;
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
  /** By rendered objects (a render cache hit hands the same array again), for one app at one spec. */
  #desiredCache = new WeakMap<readonly KubeObject[], { app: string; value: { resources: Task[]; hooks: Task[] } }>();
  readonly #tracked: TrackedObjects;
  readonly #ctx: SyncContext;
  /** Number of `helm template` / directory renders (for benchmarks). */
  renders = 0;
  /** The repo-server's manifest cache (chart content + values → objects). */
  readonly renderCache = new RenderCache();
  /** Cumulative wall time of renders (checkout + helm or cache) and of whole controller passes (ms). */
  renderMs = 0;
  reconcileMs = 0;

  constructor(store: ClusterStore, repos: GitRepos, faults: Faults, options: ArgoCdOptions, log: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#repos = repos;
    this.#faults = faults;
    this.o = options;
    this.#log = log;
    this.#now = now;
    this.#tracked = new TrackedObjects(store);
    this.#ctx = { store, faults, now, log, timeScale: () => this.o.timeScale, live: (name) => this.#tracked.of(name), project: (name) => this.#project(name) };
  }

  reset(): void {
    this.renderCache.clear();
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
    const started = performance.now();
    try {
      await this.#pass();
    } finally {
      this.reconcileMs += performance.now() - started;
    }
  }

  async #pass(): Promise<void> {
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
    const started = performance.now();
    try {
      this.renders++;
      const { objects, sourceType } = await renderManifests({ repos: this.#repos, source, sha, appName: app.metadata.name, namespace, delayMs: this.#faults.delayMs(), cache: this.renderCache });
      r = { key, sha, objects, sourceType, reconciledAt };
    } catch (err) {
      const msg = (err as Error).message;
      r = { key, sha, objects: [], sourceType: 'Helm', error: `Failed to load target state: ${msg.startsWith('failed to generate') ? msg : `failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = ${msg}`}`, reconciledAt };
    } finally {
      this.renderMs += performance.now() - started;
    }
    this.#rendered.set(app.metadata.uid as string, r);
    return r;
  }

  /** Desired objects with destination namespace and tracking annotation, split into resources and hooks. */
  #desired(app: KubeObject, rendered: Rendered): { resources: Task[]; hooks: Task[] } {
    const of = `${app.metadata.uid}|${canonical(app.spec)}`;
    const cached = this.#desiredCache.get(rendered.objects);
    if (cached && cached.app === of) return cached.value;
    const value = desiredTasks(app, rendered.objects);
    this.#desiredCache.set(rendered.objects, { app: of, value });
    return value;
  }

  async #reconcile(app: KubeObject, pollDue: boolean): Promise<void> {
    if (app.metadata.deletionTimestamp) {
      this.#finalize(app);
      return;
    }
    const refresh = app.metadata.annotations?.[REFRESH];
    const uid = app.metadata.uid as string;
    const previous = this.#rendered.get(uid);
    const specErrorList = specErrors(app, (name) => this.#project(name));
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
    if (specErrorList.length) {
      if (refresh) this.#clearRefresh(app);
      for (const e of specErrorList) conditions.push(keepTime('InvalidSpecError', e));
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
    const compareNow = () => compare(this.#ctx, app, resources);
    let cmp = compareNow();
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
      const done = progress(this.#ctx, app, op);
      operationState = operationStateOf(this.#ctx, app, op, done);
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
      cmp = compareNow();
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


  #finalize(app: KubeObject): void {
    this.#ops.delete(app.metadata.uid as string);
    if (finalizeApplication(this.#ctx, app)) this.#rendered.delete(app.metadata.uid as string);
  }

  #startOperation(app: KubeObject, rendered: Rendered, resources: Task[], hooks: Task[], initiatedBy: Record<string, unknown>, prune: boolean, manual: boolean): Operation {
    const op = newOperation(this.#ctx, app, rendered.sha, resources, hooks, initiatedBy, prune, manual);
    this.#ops.set(app.metadata.uid as string, op);
    return op;
  }
}
