import { Agenda, type Job } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { AGENDA_CHANNEL, type JobName } from './job-queue.ts';

export type JobHandler = (data: Record<string, unknown>, job: Job<Record<string, unknown>>) => Promise<void>;

/**
 * An agenda worker on PostgreSQL. Jobs are locked with `FOR UPDATE SKIP LOCKED`, so any number of worker
 * replicas share them exactly once. Sharp edges handled: the notification channel is connected (LISTEN)
 * so NOTIFY from any API replica wakes it; `processEvery` stays short because retries run only at a poll;
 * the lock lifetime is above the longest job so a running job is not started twice.
 */
export function createWorker(config: Config, logger: Logger, handlers: Partial<Record<JobName, JobHandler>>): Agenda {
  const agenda = new Agenda({
    backend: new PostgresBackend({ connectionString: config.databaseUrl, ensureSchema: false, channelName: AGENDA_CHANNEL }),
    processEvery: config.jobPollIntervalMs,
    maxConcurrency: config.workerConcurrency,
    defaultConcurrency: config.workerConcurrency,
    defaultLockLifetime: config.jobLockLifetimeMs,
  });
  for (const [name, handler] of Object.entries(handlers)) {
    agenda.define<Record<string, unknown>>(name, async (job) => {
      const log = logger.child({ job: name, jobId: String(job.attrs._id), storeId: job.attrs.data?.storeId });
      log.debug('job started');
      await handler!(job.attrs.data ?? {}, job);
      log.debug('job finished');
    });
  }
  agenda.on('error', (err: unknown) => logger.error({ err }, 'job queue error'));
  return agenda;
}
