import { Agenda, backoffStrategies } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { AGENDA_CHANNEL } from './job-queue.ts';

export type JobContext = { attempt: number; lastAttempt: boolean };

/** One kind of job: what it does, how it retries, what happens when it gives up. */
export type JobDefinition = {
  name: string;
  run: (data: Record<string, unknown>, ctx: JobContext) => Promise<void>;
  /** Retries after a failure: `maxRetries` with exponential backoff (×4) from `delayMs`. None when unset. */
  retry?: { delayMs: number; maxRetries: number };
  /** Decides, for an error, whether to retry (true) or give up now (false). Default: retry. */
  isTransient?: (err: unknown) => boolean;
  /** Called once when the job gives up (retries exhausted or a permanent error). */
  onGiveUp?: (data: Record<string, unknown>, err: unknown) => Promise<void>;
  /** Recurring: run every this many milliseconds (one instance across all workers). */
  everyMs?: number;
};

/**
 * An agenda worker on PostgreSQL. Jobs are locked with `FOR UPDATE SKIP LOCKED`, so any number of worker
 * replicas share them exactly once. Sharp edges handled: the notification channel is connected (LISTEN)
 * so NOTIFY from any API replica wakes it; `processEvery` stays short because retries run only at a poll;
 * locks are short and renewed while a job runs, so a crashed worker's jobs resume within seconds and a
 * long job is not started twice.
 */
export function createWorker(
  config: Config,
  logger: Logger,
  jobs: JobDefinition[],
  opts: {
    /**
     * Most jobs of one name this worker locks at a time (0: agenda's default, every due job). Bounded so
     * that one worker does not lock thousands of jobs into agenda's in-memory queue, whose every insert
     * and pick scans the whole queue (quadratic: 23% of the worker's CPU at 1,000 stores), and leaves
     * the rest to other workers. Per job name, so a burst of provision jobs never holds back the status
     * cycle. Default 4 × WORKER_CONCURRENCY.
     */
    lockLimit?: number;
  } = {},
): { agenda: Agenda; start(): Promise<void>; stop(): Promise<void> } {
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
  const lockLimit = opts.lockLimit ?? config.workerConcurrency * 4;

  for (const def of jobs) {
    const maxRetries = def.retry?.maxRetries ?? 0;
    agenda.define<Record<string, unknown>>(
      def.name,
      async (job) => {
        const data = job.attrs.data ?? {};
        const attempt = job.attrs.failCount ?? 0;
        const ctx: JobContext = { attempt, lastAttempt: attempt >= maxRetries };
        const log = logger.child({ job: def.name, storeId: data.storeId, attempt });
        // The lock is short (JOB_LOCK_LIFETIME_MS) so a dead worker's job is picked up again within seconds;
        // while this job runs its lock is renewed every third of that, so no other worker starts it meanwhile.
        let renewing: Promise<void> = Promise.resolve();
        const renew = setInterval(
          () => {
            renewing = renewing.then(() => job.touch()).catch((err: Error) => log.warn({ err: err.message }, 'job lock renewal failed'));
          },
          Math.max(250, Math.floor(config.jobLockLifetimeMs / 3)),
        );
        try {
          await def.run(data, ctx);
        } catch (err) {
          if (def.everyMs) {
            // A recurring job's retry is its next run (e.g. the status cycle while the cluster is down).
            log.warn({ err: (err as Error).message, nextInMs: def.everyMs }, 'recurring job failed; it runs again at its next interval');
            return;
          }
          const transient = def.isTransient?.(err) ?? true;
          if (!transient || ctx.lastAttempt) {
            log.error({ err: (err as Error).message, transient }, transient ? 'job failed; retries exhausted' : 'job failed permanently');
            await def.onGiveUp?.(data, err);
            return; // given up and recorded: agenda must not retry
          }
          log.warn({ err: (err as Error).message }, 'job failed; will retry');
          throw err;
        } finally {
          // A renewal still in flight must land before agenda records the outcome, or it would overwrite it.
          clearInterval(renew);
          await renewing;
        }
      },
      {
        ...(lockLimit > 0 ? { lockLimit } : {}),
        ...(def.retry ? { backoff: backoffStrategies.exponential({ delay: def.retry.delayMs, factor: 4, maxRetries }) } : {}),
      },
    );
  }
  agenda.on('error', (err: unknown) => logger.error({ err }, 'job queue error'));

  return {
    agenda,
    start: async () => {
      await agenda.start();
      for (const def of jobs) if (def.everyMs) await agenda.every(def.everyMs, def.name);
    },
    stop: async () => {
      clearInterval(revive);
      await agenda.stop().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
