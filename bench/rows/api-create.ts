// Row 2: POST /api/v1/stores, one create per user, 20 at a time (load from its own process), against a
// bare `pg` transaction that inserts a store row and a job row (20 at a time, same database).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startTestPlatform } from '../../api/test/support/test-platform.ts';
import { finishRow, num, type BenchOptions, type Round, type RowResult } from '../lib/row.ts';
import { insertUsers } from '../lib/users.ts';
import { runLoad } from '../lib/load.ts';
import { median, percentile } from '../lib/stats.ts';

export async function apiCreateRow(o: BenchOptions): Promise<RowResult> {
  const creates = num(o, 'creates', 1000, 20);
  const concurrency = num(o, 'create-concurrency', 20, 5);
  const t = await startTestPlatform({ LOG_LEVEL: 'warn', CREATE_RATE_LIMIT_PER_MINUTE: '10000' });
  const pool = new pg.Pool({ connectionString: t.databaseUrl, max: concurrency });
  try {
    const knex = t.platform.knex;
    // The job row goes to the job table the API writes (agenda's), or a plain one if that table is gone.
    const hasAgenda = (await knex.raw(`SELECT to_regclass('agenda_jobs') AS t`)).rows[0].t !== null;
    if (!hasAgenda)
      await knex.raw('CREATE TABLE bench_jobs (id uuid PRIMARY KEY, name text NOT NULL, data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
    const bareTx = async (ownerId: string, name: string) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const s = await c.query('INSERT INTO stores (owner_id, name, domain) VALUES ($1, $2, $3) RETURNING id', [ownerId, name, `${name}.bare.example.com`]);
        const data = JSON.stringify({ storeId: s.rows[0].id });
        if (hasAgenda)
          await c.query(
            `INSERT INTO agenda_jobs (id, name, priority, type, next_run_at, data, disabled) VALUES ($1, 'provision-store', 0, 'normal', now(), $2, false)`,
            [randomUUID(), data],
          );
        else await c.query(`INSERT INTO bench_jobs (id, name, data) VALUES ($1, 'provision-store', $2)`, [randomUUID(), data]);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    };
    const rounds: Round[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const users = await insertUsers(knex, t.platform.config, creates, `create${r}`);
      // baseline
      const lat: number[] = [];
      let next = 0;
      let bareErrors = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < users.length) {
            const i = next++;
            const s = performance.now();
            await bareTx(users[i]!.id, `bare${r}-${i}`).catch(() => bareErrors++);
            lat.push(performance.now() - s);
          }
        }),
      );
      const bareMs = performance.now() - t0;
      const barePerSecond = ((users.length - bareErrors) * 1000) / bareMs;
      // ours
      const ours = await runLoad({
        url: t.baseUrl,
        connections: concurrency,
        requests: users.map((u, i) => ({
          method: 'POST',
          path: '/api/v1/stores',
          headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `ours${r}-${i}` }),
        })),
      });
      o.log(
        `  row 2 round ${r + 1}: bare ${barePerSecond.toFixed(0)}/s p99 ${percentile(lat, 99).toFixed(1)} ms; ours ${ours.perSecond.toFixed(0)}/s p99 ${ours.p99Ms.toFixed(1)} ms, ${ours.errors} errors`,
      );
      rounds.push({
        baseline: barePerSecond,
        figure: ours.perSecond,
        extra: {
          bareP99Ms: percentile(lat, 99),
          oursP99Ms: ours.p99Ms,
          bareErrors,
          oursErrors: ours.errors,
          oursStatuses: ours.statuses,
          samples: ours.samples,
        },
      });
    }
    return finishRow({
      row: 2,
      what: `POST /api/v1/stores, ${creates} users, ${concurrency} concurrent`,
      baselineWhat: 'bare pg transaction: store row + job row',
      unit: 'creates/s',
      better: 'higher',
      sizes: { creates, concurrency },
      rounds,
      goal: '≥ 0.40; 0 errors',
      judge: (ratio, rs) => {
        const errors = rs.reduce((s, x) => s + (x.extra!.oursErrors as number), 0);
        const p99 = median(rs.map((x) => x.extra!.oursP99Ms as number));
        const bareP99 = median(rs.map((x) => x.extra!.bareP99Ms as number));
        return {
          met: ratio.median >= 0.4 && errors === 0,
          notes: [`p99 ${p99.toFixed(1)} ms vs bare ${bareP99.toFixed(1)} ms; errors ${errors} (all rounds)`],
        };
      },
    });
  } finally {
    await pool.end();
    await t.close();
  }
}
