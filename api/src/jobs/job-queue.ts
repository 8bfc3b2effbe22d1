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
 * A job ready to be written: agenda's row (column → value) and the NOTIFY that wakes idle workers. A
 * repository may write it as part of a larger statement (a CTE), so a store row and its job are one
 * round trip; `JobQueue.enqueue` writes one on its own.
 */
export type PreparedJob = {
  id: string;
  name: JobName;
  data: Record<string, unknown>;
  /** agenda_jobs columns and their values (`data` as JSON text). */
  row: { id: string; name: JobName; priority: number; type: 'normal'; next_run_at: Date; data: string; disabled: boolean };
  notify: { channel: string; payload: string };
};

/**
 * Enqueues agenda jobs inside the caller's transaction, so that a store row and the job that works on it
 * are committed together or not at all (durable intent). The row has agenda's own shape (PostgresBackend's
 * table, created by our migration), and a NOTIFY in the same transaction is delivered on commit only.
 */
export interface JobQueue {
  /** Adds a job in the caller's transaction; its id. */
  enqueue(tx: Tx, name: JobName, data: Record<string, unknown>, opts?: { delayMs?: number }): Promise<string>;
  /** The row and NOTIFY of a job, for a repository that writes it in the caller's transaction itself. */
  prepare(name: JobName, data: Record<string, unknown>, opts?: { delayMs?: number }): PreparedJob;
}

/** The JobQueue over agenda's PostgreSQL table. */
export class AgendaJobQueue implements JobQueue {
  prepare(name: JobName, data: Record<string, unknown>, opts: { delayMs?: number } = {}): PreparedJob {
    const id = randomUUID();
    const nextRunAt = new Date(Date.now() + (opts.delayMs ?? 0));
    const payload = JSON.stringify({
      jobId: id,
      jobName: name,
      nextRunAt: nextRunAt.toISOString(),
      priority: 0,
      timestamp: new Date().toISOString(),
      source: 'store-platform',
    });
    return {
      id,
      name,
      data,
      row: { id, name, priority: 0, type: 'normal', next_run_at: nextRunAt, data: JSON.stringify(data), disabled: false },
      notify: { channel: AGENDA_CHANNEL, payload },
    };
  }

  async enqueue(tx: Tx, name: JobName, data: Record<string, unknown>, opts: { delayMs?: number } = {}): Promise<string> {
    const job = this.prepare(name, data, opts);
    const r = job.row;
    // The insert and its NOTIFY in one statement.
    await knexOf(tx).raw(
      `WITH job AS (
         INSERT INTO agenda_jobs (id, name, priority, type, next_run_at, data, disabled) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?) RETURNING id
       )
       SELECT pg_notify(?, ?) FROM job`,
      [r.id, r.name, r.priority, r.type, r.next_run_at, r.data, r.disabled, job.notify.channel, job.notify.payload],
    );
    return job.id;
  }
}
