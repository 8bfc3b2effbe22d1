import type { Knex } from 'knex';
import * as initial from './migrations/20261126080000_initial.ts';
import * as storePipeline from './migrations/20261126090000_store_pipeline.ts';
import * as sessions from './migrations/20261201120000_sessions.ts';
import * as eventClockTimestamps from './migrations/20261201130000_event_clock_timestamps.ts';
import * as storeGeneration from './migrations/20261202090000_store_generation.ts';
import * as storePlan from './migrations/20261202100000_store_plan.ts';
import * as storeSuspension from './migrations/20261202110000_store_suspension.ts';
import * as storeDomains from './migrations/20261202120000_store_domains.ts';
import * as webhooks from './migrations/20261202130000_webhooks.ts';
import * as storeListIndexes from './migrations/20261202140000_store_list_indexes.ts';
import * as storeUpdatedAtIndex from './migrations/20261202150000_store_updated_at_index.ts';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

/** Every migration, in order. A landed migration is never edited: a new one fixes it. */
const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['20261126080000_initial', initial],
  ['20261126090000_store_pipeline', storePipeline],
  ['20261201120000_sessions', sessions],
  ['20261201130000_event_clock_timestamps', eventClockTimestamps],
  ['20261202090000_store_generation', storeGeneration],
  ['20261202100000_store_plan', storePlan],
  ['20261202110000_store_suspension', storeSuspension],
  ['20261202120000_store_domains', storeDomains],
  ['20261202130000_webhooks', webhooks],
  ['20261202140000_store_list_indexes', storeListIndexes],
  ['20261202150000_store_updated_at_index', storeUpdatedAtIndex],
];

/** knex migration source over statically imported TypeScript modules (one form only: .ts). */
export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, m]) => m,
};

export const migrationConfig: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

/** Arbitrary constant: the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK_ID = 7_346_120_001;

/**
 * Applies pending migrations. Safe when several replicas start at once: a session-level advisory lock
 * makes the others wait, and they then find nothing left to do.
 */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const conn = await knex.client.acquireConnection();
  try {
    await knex.raw('SELECT pg_advisory_lock(?)', [MIGRATION_LOCK_ID]).connection(conn);
    const [, applied] = (await knex.migrate.latest(migrationConfig)) as [number, string[]];
    return applied;
  } finally {
    await knex
      .raw('SELECT pg_advisory_unlock(?)', [MIGRATION_LOCK_ID])
      .connection(conn)
      .catch(() => undefined);
    await knex.client.releaseConnection(conn);
  }
}

/** True when every known migration has been applied (for /readyz). */
export async function migrationsApplied(knex: Knex): Promise<boolean> {
  const [, pending] = (await knex.migrate.list(migrationConfig)) as [unknown[], unknown[]];
  return pending.length === 0;
}
