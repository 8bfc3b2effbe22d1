import { isDatabaseUnavailable } from '../../errors/is-database-unavailable.ts';
import type { JobDefinition } from '../../jobs/create-worker.ts';
import { JOBS } from '../../jobs/job-queue.ts';
import type { DomainService } from './domain-service.ts';

/**
 * The verification job: one check of one claim, which schedules the next (back-off) itself. A database
 * outage is retried; a lookup never throws (its failure is the check's result).
 */
export function domainJobs(deps: { domains: DomainService; retryDelayMs: number }): JobDefinition[] {
  return [
    {
      name: JOBS.verifyDomain,
      run: async (data) => {
        await deps.domains.runScheduledCheck(String(data.domainId));
      },
      retry: { delayMs: deps.retryDelayMs, maxRetries: 5 },
      isTransient: isDatabaseUnavailable,
    },
  ];
}
