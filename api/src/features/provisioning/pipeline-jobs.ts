import { PipelineError } from '../../../../renderer/src/pipeline-error.ts';
import type { ProvisionService } from './provision-service.ts';
import type { StatusService } from './status-service.ts';
import { isDatabaseUnavailable } from '../../errors/is-database-unavailable.ts';
import type { JobDefinition } from '../../jobs/create-worker.ts';
import { JOBS } from '../../jobs/job-queue.ts';

export const STATUS_JOB = 'store.status';

/**
 * A pipeline error says itself whether a retry may help (PipelineError.transient: Git, sealing, the
 * cluster); a database outage is retried; anything else (a render error, a bad value) is not.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof PipelineError) return err.transient;
  return isDatabaseUnavailable(err);
}

/** Why a provision job gave up: retries ran out, the platform is misconfigured (reported at once), or the store cannot be rendered. */
export function giveUpReason(err: unknown): 'RetriesExhausted' | 'ConfigurationError' | 'ProvisionFailed' {
  if (isTransient(err)) return 'RetriesExhausted';
  return err instanceof PipelineError ? 'ConfigurationError' : 'ProvisionFailed';
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
      onGiveUp: (data, err) => provision.fail(storeId(data), giveUpReason(err), `Provisioning failed: ${(err as Error).message}`),
    },
    {
      name: JOBS.deleteStore,
      run: async (data) => {
        await provision.delete(storeId(data));
      },
      retry: { delayMs: deps.retryDelayMs, maxRetries: 3 },
      isTransient,
      onGiveUp: (data, err) =>
        provision.deleteFailed(storeId(data), `Removing the store from Git failed: ${(err as Error).message}. Delete it again to retry.`),
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
