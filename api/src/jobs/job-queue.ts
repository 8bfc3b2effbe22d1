import { randomUUID } from 'node:crypto';
import { knexOf, type Tx } from '../db/transactor.ts';

/** Job names the platform uses; handlers are defined by the worker. */
export const JOBS = {
  provisionStore: 'store.provision',
  deleteStore: 'store.delete',
  verifyDomain: 'domain.verify',
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** agenda's NOTIFY channel (PostgresBackend default): wakes idle workers at once instead of at the next poll. */
export const AGENDA_CHANNEL = 'agenda_jobs';

/**
 * Enqueues agenda jobs inside the caller's transaction, so that a store row and the job that works on it
 * are committed together or not at all (durable intent). The row has agenda's own shape (PostgresBackend's
 * table, created by our migration), and a NOTIFY in the same transaction is delivered on commit only.
 */
export interface JobQueue {
  /** Adds a job in the caller's transaction; its id. */
  enqueue(tx: Tx, name: JobName, data: Record<string, unknown>, opts?: { delayMs?: number }): Promise<string>;
}

/** The JobQueue over agenda's PostgreSQL table. */
export class AgendaJobQueue implements JobQueue {
  async enqueue(tx: Tx, name: JobName, data: Record<string, unknown>, opts: { delayMs?: number } = {}): Promise<string> {
    const trx = knexOf(tx);
    const id = randomUUID();
    const nextRunAt = new Date(Date.now() + (opts.delayMs ?? 0));
    await trx('agenda_jobs').insert({ id, name, priority: 0, type: 'normal', next_run_at: nextRunAt, data: JSON.stringify(data), disabled: false });
    const payload = JSON.stringify({
      jobId: id,
      jobName: name,
      nextRunAt: nextRunAt.toISOString(),
      priority: 0,
      timestamp: new Date().toISOString(),
      source: 'store-platform',
    });
    await trx.raw('SELECT pg_notify(?, ?)', [AGENDA_CHANNEL, payload]);
    return id;
  }
}
