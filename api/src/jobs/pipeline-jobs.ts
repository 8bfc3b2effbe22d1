import { GitConflictError, GitTransportError } from '../../../gitops/src/git-writer.ts';
import { SealingError } from '../../../renderer/src/seal.ts';
import type { ProvisionService } from '../features/provisioning/provision-service.ts';
import type { StatusService } from '../features/provisioning/status-service.ts';
import { ClusterUnavailableError } from '../features/provisioning/cluster-client.ts';
import { isDatabaseUnavailable } from '../errors/is-database-unavailable.ts';
import type { JobDefinition } from './create-worker.ts';
import { JOBS } from './job-queue.ts';

export const STATUS_JOB = 'store.status';

/** Git, cluster and database hiccups are retried; anything else (a render error, a bad value) is not. */
export function isTransient(err: unknown): boolean {
  return err instanceof GitConflictError || err instanceof GitTransportError || err instanceof ClusterUnavailableError || err instanceof SealingError || isDatabaseUnavailable(err) || (err as Error)?.name === 'RefreshError';
}

/** The pipeline's jobs: provision, delete (retried 3× with exponential backoff), and the recurring status cycle. */
export function pipelineJobs(deps: { provision: ProvisionService; status: StatusService; retryDelayMs: number; statusIntervalMs: number }): JobDefinition[] {
  const { provision, status } = deps;
  const storeId = (data: Record<string, unknown>) => String(data.storeId);
  return [
    {
      name: JOBS.provisionStore,
      run: async (data) => {
        await provision.provision(storeId(data));
      },
      retry: { delayMs: deps.retryDelayMs, maxRetries: 3 },
      isTransient,
      onGiveUp: (data, err) => provision.fail(storeId(data), isTransient(err) ? 'RetriesExhausted' : 'ProvisionFailed', `Provisioning failed: ${(err as Error).message}`),
    },
    {
      name: JOBS.deleteStore,
      run: async (data) => {
        await provision.delete(storeId(data));
      },
      retry: { delayMs: deps.retryDelayMs, maxRetries: 3 },
      isTransient,
      onGiveUp: (data, err) => provision.deleteFailed(storeId(data), `Removing the store from Git failed: ${(err as Error).message}. Delete it again to retry.`),
    },
    {
      name: STATUS_JOB,
      everyMs: deps.statusIntervalMs,
      run: async () => {
        await status.cycle();
      },
      // No retries: the next cycle is the retry (a cluster that is down for a while changes nothing meanwhile).
    },
  ];
}
