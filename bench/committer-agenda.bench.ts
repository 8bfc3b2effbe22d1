// Benchmark (issue 12, item 2): agenda's cost at 1,000–10,000 queued jobs, one worker, no-op jobs.
// Usage: node [--cpu-prof --cpu-prof-dir=/tmp/prof] bench/committer-agenda.bench.ts [--jobs 1000,10000] [--lock-limit 0|N] [--concurrency 5]
// Inserts N provision jobs the way the API does (AgendaJobQueue's row + NOTIFY), starts one createWorker
// whose job does nothing, and times until every job has finished. `--lock-limit 0` is agenda's default
// (lock every due job into the in-memory queue); N bounds what one worker locks at a time.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../api/src/config/config.ts';
import { createKnex } from '../api/src/db/create-knex.ts';
import { migrateLatest } from '../api/src/db/migrate.ts';
import { createWorker } from '../api/src/jobs/create-worker.ts';
import { JOBS } from '../api/src/jobs/job-queue.ts';
import { createTestDatabase } from '../api/test/support/test-database.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '1000,10000' },
    'lock-limit': { type: 'string' },
    concurrency: { type: 'string', default: '5' },
    'poll-ms': { type: 'string', default: '2000' },
  },
});
const sizes = values.jobs.split(',').map(Number);
for (const n of sizes) {
  const db = await createTestDatabase();
  const knex = createKnex(db.url, 4);
  try {
    await migrateLatest(knex);
    const config = loadConfig({ DATABASE_URL: db.url, NODE_ENV: 'test', WORKER_CONCURRENCY: values.concurrency, JOB_POLL_INTERVAL_MS: values['poll-ms'] });
    const rows = Array.from({ length: n }, () => ({
      id: crypto.randomUUID(),
      name: JOBS.provisionStore,
      priority: 0,
      type: 'normal',
      next_run_at: new Date(),
      data: JSON.stringify({ storeId: crypto.randomUUID() }),
      disabled: false,
    }));
    for (let i = 0; i < rows.length; i += 1000) await knex('agenda_jobs').insert(rows.slice(i, i + 1000));
    let ran = 0;
    const worker = createWorker(
      config,
      pino({ level: 'silent' }),
      [
        {
          name: JOBS.provisionStore,
          run: async () => {
            ran++;
          },
        },
      ],
      values['lock-limit'] !== undefined ? { lockLimit: Number(values['lock-limit']) } : {},
    );
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await worker.start();
    let firstS: number | undefined;
    for (;;) {
      if (firstS === undefined && ran > 0) firstS = (performance.now() - t0) / 1000;
      const done = Number((await knex('agenda_jobs').whereNotNull('last_finished_at').count({ c: '*' }).first())!.c);
      if (done >= n) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await worker.stop();
    console.log(
      JSON.stringify({
        jobs: n,
        lockLimit: values['lock-limit'] ?? 'default of createWorker',
        seconds: +s.toFixed(1),
        jobsPerSecond: +(n / s).toFixed(0),
        firstJobAfterS: firstS && +firstS.toFixed(2),
        processCpuS: +((cpu.user + cpu.system) / 1e6).toFixed(1),
        ran,
      }),
    );
  } finally {
    await knex.destroy();
    await db.drop();
  }
}
