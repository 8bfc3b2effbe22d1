import { isDatabaseUnavailable } from '../../errors/is-database-unavailable.ts';
import type { JobDefinition } from '../../jobs/create-worker.ts';
import { JOBS } from '../../jobs/job-queue.ts';
import type { DomainService } from './domain-service.ts';

export const DOMAIN_SWEEP_JOB = 'domain.sweep';

/**
 * The verification job: one check of one claim, which schedules the next (back-off) itself. A database
 * outage is retried; a lookup never throws (its failure is the check's result). And a sweep, every
 * minute, that expires overdue claims whatever became of their checks.
 */
export function domainJobs(deps: { domains: DomainService; retryDelayMs: number; sweepEveryMs?: number }): JobDefinition[] {
  return [
    {
      name: JOBS.verifyDomain,
      run: async (data) => {
        await deps.domains.runScheduledCheck(String(data.domainId));
      },
      retry: { delayMs: deps.retryDelayMs, maxRetries: 5 },
      isTransient: isDatabaseUnavailable,
    },
    {
      name: DOMAIN_SWEEP_JOB,
      everyMs: deps.sweepEveryMs ?? 60_000,
      run: async () => {
        await deps.domains.expireOverdue();
      },
    },
  ];
}
