import type { Knex } from 'knex';

/**
 * Timeline and audit rows are stamped with the clock at the moment they are written
 * (clock_timestamp()), not with their transaction's start (now()): a provision run writes "committing"
 * and "committed" in one transaction around a push of 100–200 ms, and now() made them 3 ms apart.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE store_events ALTER COLUMN created_at SET DEFAULT clock_timestamp()');
  await knex.raw('ALTER TABLE audit_events ALTER COLUMN at SET DEFAULT clock_timestamp()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE store_events ALTER COLUMN created_at SET DEFAULT now()');
  await knex.raw('ALTER TABLE audit_events ALTER COLUMN at SET DEFAULT now()');
}
