/**
 * startSim: the whole simulated cluster in one process — Kubernetes API server, Argo CD application
 * controller over the GitOps repo, Sealed Secrets controller, kubelet and built-in controllers — for
 * `npm start` (via main.ts) and in-process use from tests (port 0, fast timings, stop/reset).
 * It writes a kubeconfig (bearer token) that works with any Kubernetes client. GET /metrics (same
 * token and CA) serves the series the cluster's exporters would export, for a Prometheus to scrape.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { selfSignedCert } from './self-signed-cert.ts';
import { stringify } from 'yaml';
import { ClusterStore } from './cluster-store.ts';
import { K3S_LOCAL_PATH } from './admission/storage-class.ts';
import { Faults, faultInputSchema } from './faults.ts';
import { KubeApiServer, statusObject, type RequestStats } from './kube-api-server.ts';
import { ControlRouter } from './api-server/control-router.ts';
import { SealedSecretsController } from './sealed-secrets-controller.ts';
import { Kubelet, DEFAULT_TIMINGS, type KubeletTimings } from './kubelet.ts';
import { ArgoCdController } from './argocd/controller.ts';
import { GitRepos } from './git-repos.ts';
import { clusterMetrics, DEFAULT_LABELS_ALLOWLIST } from './metrics/cluster-metrics.ts';
import { parseLabelsAllowlist } from './metrics/kube-state-metrics.ts';
import { resolveTimings, type TimingProfile } from './timing-profiles.ts';

export type SimLogger = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface SimOptions {
  /** The GitOps repo: local path, file:// URL or http(s) URL. Without it no root app is bootstrapped. */
  repoURL?: string;
  /** Revision the root app and projects are read at. Default HEAD. */
  repoRevision?: string;
  /** Path of the root app-of-apps in the repo. Default apps/root.yaml. */
  rootAppPath?: string;
  /** Directory of AppProject manifests in the repo. Default projects. */
  projectsPath?: string;
  /** Argo CD's namespace. Default argocd. */
  argocdNamespace?: string;
  /** Git polling interval (Argo CD: 180 s). Default 5000 ms. */
  pollMs?: number;
  /** Controller loop interval. Default 250 ms. */
  tickMs?: number;
  /**
   * Kubelet/controller delays; `timeScale` also scales spec durations (progress deadline, retry
   * back-off). Or a named profile: `healthy-cluster` (timing-profiles.ts) for benchmarks.
   */
  timings?: Partial<KubeletTimings> | TimingProfile;
  /** Listen address. Default 127.0.0.1, port 0 (random). */
  host?: string;
  port?: number;
  /** Bearer token of the kubeconfig. Default: random (persisted in stateDir when given). */
  token?: string;
  /**
   * Directory for the state file (cluster objects + sealing keys), the token, the kubeconfig and the
   * git cache. Without it everything lives in a temporary directory removed by stop().
   */
  stateDir?: string;
  /** Where to write the kubeconfig. Default <stateDir>/kubeconfig. */
  kubeconfigPath?: string;
  /** RSA key size of the Sealed Secrets key. Default 4096 (tests use 2048 for speed). */
  sealingKeyBits?: number;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK. Default 60000 ms (the API server's rhythm). */
  watchBookmarkMs?: number;
  /** kube-state-metrics' --metric-labels-allowlist for the /metrics endpoint. Default: argocd/'s. */
  metricLabelsAllowlist?: string[];
  log?: SimLogger;
}

export interface Sim {
  /** API server URL, e.g. http://127.0.0.1:43567 */
  url: string;
  kubeconfigPath: string;
  token: string;
  argocdNamespace: string;
  /** PEM of the Sealed Secrets controller's active certificate. */
  sealingCertPem(): string;
  store: ClusterStore;
  faults: Faults;
  argocd: ArgoCdController;
  kubelet: Kubelet;
  sealedSecrets: SealedSecretsController;
  stats(): SimStats;
  /** Runs one full controller pass now (Argo CD, Sealed Secrets, kubelet). */
  tick(): Promise<void>;
  /** Polls the GitOps repo now (as a webhook would make Argo CD do). */
  refresh(): Promise<void>;
  /** Empties the cluster (keeps the sealing keys, the token and the URL) and clears faults. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface SimStats {
  simulated: true;
  requests: RequestStats;
  renders: number;
  objects: number;
  ticks: number;
  /** `helm template` processes started, and renders answered from the manifest cache instead. */
  helm: { runs: number; cacheHits: number };
  /**
   * The sim's own time (cumulative ms of wall time since start): what a benchmark reports apart, since
   * in production Argo CD and the cluster do this work. `argocdMs` is whole controller passes (renders
   * included), `renderMs` the renders within them (checkout + helm or cache), `helmMs` helm processes.
   */
  time: { argocdMs: number; renderMs: number; helmMs: number; kubeletMs: number; sealedSecretsMs: number };
}

const noop: SimLogger = () => {};

/** The API server's TLS key + self-signed certificate (kept in the state dir so kubeconfigs stay valid). */
function servingCertificate(dir: string, host: string, persist: boolean): { key: string; cert: string } {
  const keyFile = join(dir, 'apiserver.key');
  const certFile = join(dir, 'apiserver.crt');
  if (persist && existsSync(keyFile) && existsSync(certFile)) return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const cert = selfSignedCert({
    privateKey,
    publicKey,
    commonName: 'kube-apiserver',
    organization: 'store-platform-sim',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 5 * 365 * 24 * 3600_000),
    serial: randomBytes(16),
    altNames: { dns: ['localhost', 'kubernetes', 'kubernetes.default.svc'], ips: ['127.0.0.1', ...(/^\d+\.\d+\.\d+\.\d+$/.test(host) && host !== '127.0.0.1' ? [host] : [])] },
  });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  if (persist) {
    writeFileSync(keyFile, key, { mode: 0o600 });
    writeFileSync(certFile, cert);
  }
  return { key, cert };
}

export function writeKubeconfig(path: string, url: string, token: string, namespace: string, caPem: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'store-platform-sim', cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'store-platform-sim', user: { token } }],
    contexts: [{ name: 'store-platform-sim', context: { cluster: 'store-platform-sim', user: 'store-platform-sim', namespace } }],
    'current-context': 'store-platform-sim',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

export async function startSim(options: SimOptions = {}): Promise<Sim> {
  const log = options.log ?? noop;
  const tempDir = options.stateDir ? undefined : mkdtempSync(join(tmpdir(), 'store-platform-sim-'));
  const dir = options.stateDir ?? (tempDir as string);
  mkdirSync(dir, { recursive: true });
  const argocdNamespace = options.argocdNamespace ?? 'argocd';
  const tokenFile = join(dir, 'token');
  const token = options.token ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : randomBytes(24).toString('hex'));
  if (options.stateDir && !options.token) writeFileSync(tokenFile, token, { mode: 0o600 });
  const store = new ClusterStore(options.stateDir ? { stateFile: join(dir, 'state.json') } : {});
  const faults = new Faults();
  const sealedSecrets = new SealedSecretsController(store, { keyBits: options.sealingKeyBits ?? 4096 });
  const timings: KubeletTimings = { ...DEFAULT_TIMINGS, ...resolveTimings(options.timings) };
  const kubelet = new Kubelet(store, faults, timings);
  const repos = new GitRepos(join(dir, 'git-cache'));
  const argocd = new ArgoCdController(
    store,
    repos,
    faults,
    {
      namespace: argocdNamespace,
      repoURL: options.repoURL,
      repoRevision: options.repoRevision ?? 'HEAD',
      rootAppPath: options.rootAppPath ?? 'apps/root.yaml',
      projectsPath: options.projectsPath ?? 'projects',
      pollMs: options.pollMs ?? 5000,
      timeScale: timings.timeScale,
    },
    log,
  );
  // The namespaces a fresh k3s + Argo CD cluster has.
  for (const ns of ['default', 'kube-system', argocdNamespace]) {
    if (!store.get('v1', 'Namespace', undefined, ns)) store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } } });
  }
  if (!store.get('storage.k8s.io/v1', 'StorageClass', undefined, 'local-path')) store.create(structuredClone(K3S_LOCAL_PATH));
  let ticks = 0;
  let kubeletMs = 0;
  let sealedSecretsMs = 0;
  let running: Promise<void> | undefined;
  const tick = (): Promise<void> => {
    if (running) return running;
    running = (async () => {
      try {
        await argocd.tick();
        let t = performance.now();
        sealedSecrets.reconcile();
        sealedSecretsMs += performance.now() - t;
        t = performance.now();
        kubelet.reconcile();
        kubeletMs += performance.now() - t;
        ticks++;
      } catch (err) {
        log('error', 'controller pass failed', { err: (err as Error).message });
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const refresh = async () => {
    argocd.requestPoll();
    await tick();
  };
  const reset = async () => {
    await running;
    faults.clear();
    const keys = store.extra.sealingKeys;
    store.clear();
    store.extra.sealingKeys = keys;
    sealedSecrets.persistKeys();
    argocd.reset();
    kubelet.reset();
    for (const ns of ['default', 'kube-system', argocdNamespace]) store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } } });
    store.create(structuredClone(K3S_LOCAL_PATH));
    log('info', 'simulated cluster reset');
  };
  const tls = servingCertificate(dir, options.host ?? '127.0.0.1', !!options.stateDir);
  let api: KubeApiServer;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const stats = (): SimStats => ({
    simulated: true,
    requests: api.stats,
    renders: argocd.renders,
    objects: store.all().length,
    ticks,
    helm: { runs: argocd.renderCache.helmRuns, cacheHits: argocd.renderCache.hits },
    time: {
      argocdMs: round(argocd.reconcileMs),
      renderMs: round(argocd.renderMs),
      helmMs: round(argocd.renderCache.helmMs),
      kubeletMs: round(kubeletMs),
      sealedSecretsMs: round(sealedSecretsMs),
    },
  });
  const startedAt = new Date().toISOString();
  api = new KubeApiServer({
    store,
    faults,
    token,
    certPem: () => sealedSecrets.certPem,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    tls,
    ...(options.watchBookmarkMs ? { watchBookmarkMs: options.watchBookmarkMs } : {}),
    metrics: clusterMetrics(store, Date.now, parseLabelsAllowlist(options.metricLabelsAllowlist ?? DEFAULT_LABELS_ALLOWLIST)),
    control: new ControlRouter([
      {
        method: 'GET',
        path: '/info',
        handle: () => ({
          status: 200,
          body: {
            simulated: true,
            description: 'Simulated cluster (store-platform sim): Kubernetes API subset + Argo CD + Sealed Secrets; workloads do not really run',
            url: api.url,
            startedAt,
            argocdNamespace,
            repoURL: options.repoURL ?? null,
            pollMs: argocd.o.pollMs,
            timings: kubelet.t,
          },
        }),
      },
      { method: 'GET', path: '/stats', handle: () => ({ status: 200, body: stats() }) },
      { method: 'GET', path: '/faults', handle: () => ({ status: 200, body: { items: faults.list() } }) },
      {
        method: 'POST',
        path: '/faults',
        handle: (body) => {
          const parsed = faultInputSchema.safeParse(body);
          if (!parsed.success) {
            return { status: 422, body: statusObject(422, 'Invalid', `invalid fault: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`) };
          }
          const fault = faults.add(parsed.data);
          log('warn', 'fault injected', { fault });
          return { status: 201, body: fault };
        },
      },
      {
        method: 'DELETE',
        path: '/faults',
        handle: () => {
          faults.clear();
          return { status: 200, body: { items: [] } };
        },
      },
      {
        method: 'DELETE',
        path: /^\/faults\/([^/]+)$/,
        handle: (_body, [id]) =>
          faults.remove(id as string) ? { status: 200, body: { id } } : { status: 404, body: statusObject(404, 'NotFound', `fault ${JSON.stringify(id)} not found`) },
      },
      {
        method: 'POST',
        path: '/refresh',
        handle: async () => {
          await refresh();
          return { status: 200, body: { refreshed: true } };
        },
      },
      {
        method: 'POST',
        path: '/reset',
        handle: async () => {
          await reset();
          return { status: 200, body: { reset: true } };
        },
      },
      {
        method: 'POST',
        path: '/stats/reset',
        handle: () => {
          api.resetStats();
          return { status: 200, body: stats() };
        },
      },
      {
        method: 'POST',
        path: '/sealing-keys/rotate',
        handle: () => {
          sealedSecrets.rotateKey();
          return { status: 200, body: { certPem: sealedSecrets.certPem } };
        },
      },
    ]),
  });
  const url = await api.listen();
  const kubeconfigPath = options.kubeconfigPath ?? join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, url, token, argocdNamespace, tls.cert);
  const tickMs = options.tickMs ?? 250;
  const timer = setInterval(() => void tick(), tickMs);
  timer.unref();
  void tick();
  log('info', 'SIMULATED cluster started: this is the store-platform sim, not a real Kubernetes/Argo CD', { url, kubeconfigPath, repoURL: options.repoURL });
  return {
    url,
    kubeconfigPath,
    token,
    argocdNamespace,
    sealingCertPem: () => sealedSecrets.certPem,
    store,
    faults,
    argocd,
    kubelet,
    sealedSecrets,
    stats,
    tick,
    refresh,
    reset,
    stop: async () => {
      clearInterval(timer);
      await running;
      await api.close();
      store.save();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      log('info', 'simulated cluster stopped');
    },
  };
}
