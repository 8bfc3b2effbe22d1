import knex, { type Knex } from 'knex';
import pg from 'pg';

// timestamptz columns come back as Date (pg default); bigint counts come back as numbers when small.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

/** One knex instance per process, over a pg pool; `log` receives knex's own warnings (default: the console). */
export function createKnex(databaseUrl: string, poolMax = 10, log?: Knex.Config['log']): Knex {
  return knex({
    ...(log ? { log } : {}),
    client: 'pg',
    connection: { connectionString: databaseUrl, connectionTimeoutMillis: 5000 },
    pool: { min: 0, max: poolMax, idleTimeoutMillis: 30_000 },
    acquireConnectionTimeout: 5000,
  });
}
