import { PipelineError } from '../../../../renderer/src/pipeline-error.ts';
import type { ProvisionService } from './provision-service.ts';
import type { StatusService } from './status-service.ts';
import { isDatabaseUnavailable } from '../../errors/is-database-unavailable.ts';
import type { JobDefinition } from '../../jobs/create-worker.ts';
import { JOBS } from '../../jobs/job-queue.ts';

export const STATUS_JOB = 'store.status';
/** The committer's safety net: runs it now and then, so work whose wake-up was lost (a crash) is committed. */
export const COMMIT_SWEEP_JOB = 'store.commit-sweep';

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

/**
 * The pipeline's jobs. A provision or delete job wakes the committer (ProvisionService.commitDue), which
 * commits everything due — so a job whose store was already committed by another's run does nothing, and
 * one that finds the committer busy elsewhere returns at once. Retried 3× with exponential backoff; the
 * give-up marks the stores of the failed batch failed (or delete failed). Plus the recurring status cycle,
 * and a recurring sweep of the committer.
 */
export function pipelineJobs(deps: { provision: ProvisionService; status: StatusService; retryDelayMs: number; statusIntervalMs: number }): JobDefinition[] {
  const { provision, status } = deps;
  const storeId = (data: Record<string, unknown>) => String(data.storeId);
  const wake = async () => {
    await provision.commitDue();
  };
  return [
    {
      name: JOBS.provisionStore,
      run: wake,
      retry: { delayMs: deps.retryDelayMs, maxRetries: 3 },
      isTransient,
      onGiveUp: (data, err) => provision.giveUp(storeId(data), err),
    },
    {
      name: JOBS.deleteStore,
      run: wake,
      retry: { delayMs: deps.retryDelayMs, maxRetries: 3 },
      isTransient,
      onGiveUp: (data, err) => provision.giveUp(storeId(data), err),
    },
    {
      name: COMMIT_SWEEP_JOB,
      everyMs: Math.max(deps.statusIntervalMs, 1000),
      run: wake,
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
