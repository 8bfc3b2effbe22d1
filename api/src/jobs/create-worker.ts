import { Agenda, type Job } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import pg from 'pg';
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
export function createWorker(config: Config, logger: Logger, handlers: Partial<Record<JobName, JobHandler>>): { agenda: Agenda; stop(): Promise<void> } {
  // Our own pool, with an error listener: an idle connection dropped by a database restart must not
  // crash the process (pg emits 'error' on the pool, and agenda's backend listens to none).
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.workerConcurrency + 3, connectionTimeoutMillis: 5000 });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'job queue: idle database connection lost'));
  const backend = new PostgresBackend({ pool, ensureSchema: false, channelName: AGENDA_CHANNEL });
  const channel = backend.notificationChannel;
  channel?.on('error', (err: Error) => logger.warn({ err: err.message }, 'job queue: notification channel error (polling continues)'));
  // The channel gives up after 10 reconnects; keep trying now and then (jobs still run by polling meanwhile).
  const revive = setInterval(() => {
    if (channel && channel.state === 'error') channel.connect().catch(() => undefined);
  }, 30_000);
  revive.unref();
  const agenda = new Agenda({
    backend,
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
  return {
    agenda,
    stop: async () => {
      clearInterval(revive);
      await agenda.stop().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
