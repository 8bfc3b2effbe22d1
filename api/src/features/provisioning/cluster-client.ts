import { ApiException, CoreV1Api, CustomObjectsApi, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { ApplicationInformer, type ListWatchSource, type StoreApplications } from './application-informer.ts';
import type { ArgoApplication } from './application-status.ts';
import { PipelineError } from '../../../../renderer/src/pipeline-error.ts';
import { requestRefresh } from './argo-refresh.ts';
import { loadSealingCert } from './sealing-cert.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, STORE_ID_LABEL } from '../../../../renderer/src/render-store.ts';

/** Label every platform-managed Application carries (the renderer sets it; the root app has it too). */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
export { STORE_ID_LABEL };

/** The cluster could not be reached or answered 5xx: a transient failure, retried. */
export class ClusterUnavailableError extends PipelineError {
  override name = 'ClusterUnavailableError';
  constructor(message: string) {
    super(message, { transient: true });
  }
}

/**
 * Every call the platform makes to the cluster, in one place: what it reads, the one annotation it
 * patches (refresh), and the Sealed Secrets controller's certificate. Read-only otherwise.
 */
export interface ClusterClient {
  /** ONE list call: every platform-managed Application (label selector). */
  listStoreApplications(): Promise<ArgoApplication[]>;
  /**
   * The same Applications kept in memory from one list and a watch (started on the first call, the
   * same instance afterwards): what the status cycle reads instead of a list every cycle.
   */
  storeApplications(): StoreApplications;
  /** Asks Argo CD to refresh an Application now (annotation `argocd.argoproj.io/refresh`); false if absent. */
  refreshApplication(name: string): Promise<boolean>;
  /** The namespace's phase (`Active`, `Terminating`), or null when it does not exist. */
  namespacePhase(name: string): Promise<string | null>;
  /** Pods of a namespace matching a label selector. */
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  /** The Sealed Secrets controller's certificate (PEM) to seal store secrets with. */
  sealingCertificate(): Promise<string>;
  /** Ends the watch, if one was started. */
  close(): void;
  /** A cert-manager Certificate's hosts and Ready condition, or null when it does not exist. */
  readCertificate(namespace: string, name: string): Promise<CertificateState | null>;
}

/** The part of a cert-manager Certificate (cert-manager.io/v1) the platform reads. */
export type CertificateState = { dnsNames: string[]; ready: boolean; message: string | null };

/** Where the sealing certificate comes from: a file, else the controller through the API server. */
export type SealingCertSource = { certFile?: string; controllerName?: string; controllerNamespace?: string };

function wrap(err: unknown): never {
  if (err instanceof ApiException && err.code < 500 && err.code !== 429) throw err;
  throw new ClusterUnavailableError(`cluster API unavailable: ${err instanceof ApiException ? `HTTP ${err.code}` : (err as Error).message}`);
}

/** A watch that could not be opened or broke: the cluster is unavailable (AbortError/TimeoutError kept as they are). */
function toUnavailable(err: unknown): Error {
  const e = err as Error & { statusCode?: number };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return e;
  return new ClusterUnavailableError(`cluster API unavailable: ${e?.statusCode ? `HTTP ${e.statusCode}` : (e?.message ?? String(err))}`);
}

/**
 * The real client: @kubernetes/client-node with a kubeconfig. Nothing here knows whether it talks to a
 * real cluster or to `sim/`.
 */
export class KubeClusterClient implements ClusterClient {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly kubeConfig: KubeConfig;
  private readonly argocdNamespace: string;
  private readonly sealing: SealingCertSource;
  private cert: { pem: string; at: number } | undefined;
  private informer: ApplicationInformer | undefined;
  private readonly onWatchError: ((err: Error, what: 'list' | 'watch') => void) | undefined;

  constructor(kubeConfig: KubeConfig, argocdNamespace: string, sealing: SealingCertSource = {}, onWatchError?: (err: Error, what: 'list' | 'watch') => void) {
    this.kubeConfig = kubeConfig;
    this.onWatchError = onWatchError;
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.argocdNamespace = argocdNamespace;
    this.sealing = sealing;
  }

  async listStoreApplications(): Promise<ArgoApplication[]> {
    return (await this.listWithVersion()).items;
  }

  private async listWithVersion(): Promise<{ items: ArgoApplication[]; resourceVersion: string }> {
    try {
      const list = await this.custom.listNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: this.argocdNamespace,
        plural: 'applications',
        labelSelector: MANAGED_SELECTOR,
      });
      return { items: (list?.items ?? []) as ArgoApplication[], resourceVersion: String(list?.metadata?.resourceVersion ?? '') };
    } catch (err) {
      return wrap(err);
    }
  }

  storeApplications(): StoreApplications {
    this.informer ??= new ApplicationInformer(this.listWatch(), { onError: this.onWatchError });
    return this.informer;
  }

  close(): void {
    this.informer?.stop();
  }

  /**
   * List + watch of the managed Applications. A watch asks for bookmarks and ends on the server's side
   * after 5–10 min (as client-go's reflector asks), then is reopened from the last resourceVersion.
   */
  private listWatch(): ListWatchSource {
    const path = `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(this.argocdNamespace)}/applications`;
    return {
      list: () => this.listWithVersion(),
      watch: async (resourceVersion, onEvent, onDone) => {
        const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
        const w = new Watch(this.kubeConfig);
        // The client's inactivity limit (30 s, a field TypeScript calls private) above the server's
        // timeout: a quiet watch is kept alive by bookmarks, not torn down and reopened every 30 s.
        (w as unknown as { requestTimeoutMs: number }).requestTimeoutMs = (timeoutSeconds + 60) * 1000;
        let failed: Error | undefined;
        const controller = await w.watch(
          path,
          { labelSelector: MANAGED_SELECTOR, resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          (type, object) => onEvent(type as Parameters<typeof onEvent>[0], object),
          (err) => {
            const e = err ? toUnavailable(err) : undefined;
            failed = e;
            onDone(e);
          },
        );
        if (failed) throw failed;
        return { stop: () => controller.abort() };
      },
    };
  }

  /** Patches the refresh annotation: the platform's only write to the cluster. */
  async refreshApplication(name: string): Promise<boolean> {
    return requestRefresh(this.kubeConfig, { name, namespace: this.argocdNamespace });
  }

  /** The controller's key rotates by adding keys (old blobs keep working): fetched once, again after an hour. */
  async sealingCertificate(): Promise<string> {
    if (!this.cert || Date.now() - this.cert.at > 3_600_000) {
      const pem = await loadSealingCert({ ...this.sealing, kubeConfig: this.kubeConfig });
      this.cert = { pem, at: Date.now() };
    }
    return this.cert.pem;
  }

  async namespacePhase(name: string): Promise<string | null> {
    try {
      const ns = await this.core.readNamespace({ name });
      return ns.status?.phase ?? 'Active';
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return null;
      return wrap(err);
    }
  }

  async readCertificate(namespace: string, name: string): Promise<CertificateState | null> {
    try {
      const cert = (await this.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificates', name })) as {
        spec?: { dnsNames?: string[] };
        status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
      };
      const ready = cert.status?.conditions?.find((c) => c.type === 'Ready');
      return { dnsNames: cert.spec?.dnsNames ?? [], ready: ready?.status === 'True', message: ready?.message ?? null };
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return null;
      return wrap(err);
    }
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    try {
      return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
    } catch (err) {
      return wrap(err);
    }
  }
}
