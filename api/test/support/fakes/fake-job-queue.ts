import { randomUUID } from 'node:crypto';
import type { Tx } from '../../../src/db/transactor.ts';
import type { JobName, JobQueue } from '../../../src/jobs/job-queue.ts';

/** JobQueue in memory: what was enqueued, in order. */
export class FakeJobQueue implements JobQueue {
  readonly jobs: Array<{ id: string; name: JobName; data: Record<string, unknown>; delayMs?: number }> = [];

  async enqueue(_tx: Tx, name: JobName, data: Record<string, unknown>, opts: { delayMs?: number } = {}) {
    const id = randomUUID();
    this.jobs.push({ id, name, data, ...(opts.delayMs === undefined ? {} : { delayMs: opts.delayMs }) });
    return id;
  }
  for(storeId: string): JobName[] {
    return this.jobs.filter((j) => j.data.storeId === storeId).map((j) => j.name);
  }
}
