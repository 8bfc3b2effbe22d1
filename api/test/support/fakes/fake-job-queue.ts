import { randomUUID } from 'node:crypto';
import type { Tx } from '../../../src/db/transactor.ts';
import { AGENDA_CHANNEL, type JobName, type JobQueue, type PreparedJob } from '../../../src/jobs/job-queue.ts';

/** JobQueue in memory: what was enqueued, in order (a prepared job counts once a repository writes it: `accept`). */
export class FakeJobQueue implements JobQueue {
  readonly jobs: Array<{ id: string; name: JobName; data: Record<string, unknown>; delayMs?: number }> = [];

  async enqueue(_tx: Tx, name: JobName, data: Record<string, unknown>, opts: { delayMs?: number } = {}) {
    const id = randomUUID();
    this.jobs.push({ id, name, data, ...(opts.delayMs === undefined ? {} : { delayMs: opts.delayMs }) });
    return id;
  }
  prepare(name: JobName, data: Record<string, unknown>, opts: { delayMs?: number } = {}): PreparedJob {
    const id = randomUUID();
    const next_run_at = new Date(Date.now() + (opts.delayMs ?? 0));
    return {
      id,
      name,
      data,
      row: { id, name, priority: 0, type: 'normal', next_run_at, data: JSON.stringify(data), disabled: false },
      notify: { channel: AGENDA_CHANNEL, payload: JSON.stringify({ jobId: id, jobName: name }) },
    };
  }
  /** A prepared job written by a (fake) repository. */
  accept(job: PreparedJob): void {
    this.jobs.push({ id: job.id, name: job.name, data: job.data });
  }
  for(storeId: string): JobName[] {
    return this.jobs.filter((j) => j.data.storeId === storeId).map((j) => j.name);
  }
}
