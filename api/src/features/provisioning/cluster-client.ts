import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { ArgoApplication } from './application-status.ts';
import { PipelineError } from '../../../../renderer/src/pipeline-error.ts';
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

/** What the platform reads from (and the one annotation it patches on) the cluster. Read-only otherwise. */
export interface ClusterClient {
  /** ONE list call: every platform-managed Application (label selector). */
  listStoreApplications(): Promise<ArgoApplication[]>;
  /** Asks Argo CD to refresh an Application now (annotation `argocd.argoproj.io/refresh`); false if absent. */
  refreshApplication(name: string): Promise<boolean>;
  /** The namespace's phase (`Active`, `Terminating`), or null when it does not exist. */
  namespacePhase(name: string): Promise<string | null>;
  /** Pods of a namespace matching a label selector. */
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
}

function wrap(err: unknown): never {
  if (err instanceof ApiException && err.code < 500 && err.code !== 429) throw err;
  throw new ClusterUnavailableError(`cluster API unavailable: ${err instanceof ApiException ? `HTTP ${err.code}` : (err as Error).message}`);
}

/**
 * The real client: @kubernetes/client-node with a kubeconfig. Nothing here knows whether it talks to a
 * real cluster or to `sim/`.
 */
export class KubeClusterClient implements ClusterClient {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly argocdNamespace: string;
  private readonly refresh: (name: string) => Promise<boolean>;

  /** `refresh` patches the refresh annotation (renderer's requestRefresh: the platform's only cluster write). */
  constructor(kubeConfig: KubeConfig, argocdNamespace: string, refresh: (name: string) => Promise<boolean>) {
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.argocdNamespace = argocdNamespace;
    this.refresh = refresh;
  }

  async listStoreApplications(): Promise<ArgoApplication[]> {
    try {
      const list = await this.custom.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: this.argocdNamespace, plural: 'applications', labelSelector: MANAGED_SELECTOR });
      return (list?.items ?? []) as ArgoApplication[];
    } catch (err) {
      return wrap(err);
    }
  }

  async refreshApplication(name: string): Promise<boolean> {
    return this.refresh(name);
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

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    try {
      return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
    } catch (err) {
      return wrap(err);
    }
  }
}
