import type { Knex } from 'knex';

/**
 * The status cycle asks for the stores whose row changed since its last look (`updated_at >= since`,
 * application-informer's row-change pass): without an index that is a scan of every store each cycle
 * (4.4 ms at 10,000 rows, 0.04 ms with it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS stores_updated_at_idx ON stores (updated_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS stores_updated_at_idx');
}
