import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { PipelineError } from '../../../../renderer/src/pipeline-error.ts';

/** The annotation Argo CD reads to refresh an Application now instead of at its next poll (~3 min). */
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/** Asking Argo CD for a refresh failed (the commit is in Git regardless; the poll will pick it up). */
export class RefreshError extends PipelineError {
  override name = 'RefreshError';
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined) {
    super(message, { transient: true });
    this.status = status;
  }
}

/**
 * Asks Argo CD to compare an Application with Git right away, by merge-patching its refresh
 * annotation (`normal`, or `hard` to also drop the manifest cache) — what `argocd app get --refresh`
 * does. Argo CD removes the annotation when done. The only write the platform makes to the cluster.
 * Resolves false when the Application does not exist (yet: the root app has not created it).
 */
export async function requestRefresh(kubeConfig: KubeConfig, app: { name: string; namespace?: string; hard?: boolean }): Promise<boolean> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    await api.patchNamespacedCustomObject(
      {
        group: 'argoproj.io',
        version: 'v1alpha1',
        plural: 'applications',
        namespace: app.namespace ?? 'argocd',
        name: app.name,
        body: { metadata: { annotations: { [REFRESH_ANNOTATION]: app.hard ? 'hard' : 'normal' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return true;
  } catch (err) {
    const status = (err as { code?: number }).code;
    if (status === 404) return false;
    throw new RefreshError(`refreshing Application ${app.name} failed${status ? `: HTTP ${status}` : ''}`, status);
  }
}
