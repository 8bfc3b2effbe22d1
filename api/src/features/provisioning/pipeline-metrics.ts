import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Metrics of the GitOps pipeline (requirement 19.1–2). No label ever carries a secret or a store id. */
export class PipelineMetrics {
  readonly provisionDuration: Histogram;
  readonly provisionOutcomes: Counter<'outcome' | 'reason'>;
  readonly gitDuration: Histogram;
  readonly statusCycleDuration: Histogram;

  /** `knex` feeds the jobs gauge from agenda's table; without it (unit tests) the gauge stays empty. */
  constructor(registry: Registry, knex?: Knex) {
    this.provisionDuration = new Histogram({
      name: 'store_provisioning_duration_seconds',
      help: 'From the create request to Ready',
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800],
      registers: [registry],
    });
    this.provisionOutcomes = new Counter({
      name: 'store_provisioning_total',
      help: 'Stores that became Ready (success) or Error (failure, by reason)',
      labelNames: ['outcome', 'reason'],
      registers: [registry],
    });
    this.gitDuration = new Histogram({
      name: 'gitops_commit_duration_seconds',
      help: 'Git commit + push of one change',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.statusCycleDuration = new Histogram({
      name: 'store_status_cycle_duration_seconds',
      help: 'One status cycle: list Applications, map, record',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    new Gauge({
      name: 'store_platform_jobs',
      help: 'Jobs by name and state (queued, running, failed)',
      labelNames: ['name', 'state'],
      registers: [registry],
      async collect() {
        if (!knex) return;
        const rows = (await knex('agenda_jobs')
          .select('name')
          .select(
            knex.raw(
              `CASE WHEN locked_at IS NOT NULL THEN 'running' WHEN failed_at IS NOT NULL AND next_run_at IS NULL THEN 'failed' WHEN next_run_at IS NOT NULL THEN 'queued' ELSE 'done' END AS state`,
            ),
          )
          .count({ n: '*' })
          .groupBy('name', 'state')
          .catch(() => undefined)) as Array<{ name: string; state: string; n: string | number }> | undefined;
        if (!rows) return;
        this.reset();
        for (const r of rows) this.set({ name: r.name, state: r.state }, Number(r.n));
      },
    });
  }
}
