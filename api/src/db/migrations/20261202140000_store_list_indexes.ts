import type { Knex } from 'knex';

/**
 * Indexes for the store list at 10,000 stores and more. Each sort of GET /stores (newest first, by
 * name, by status; ties by creation time, then id: the keyset of its cursor) has one: for one owner
 * newest first (by name, the unique (owner_id, lower(name)) index serves), for operators every sort.
 * Trigram indexes let a case-insensitive substring search on name and domain skip most rows. pg_trgm
 * is a trusted extension (PostgreSQL 13+): the database owner may create it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX stores_owner_created_idx ON stores (owner_id, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX stores_created_idx ON stores (created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX stores_name_sort_idx ON stores (lower(name), created_at, id)');
  // Replaces the index on status alone (it serves the same lookups, and one index less to write per create).
  await knex.raw('CREATE INDEX stores_status_sort_idx ON stores (status, created_at, id)');
  await knex.raw('DROP INDEX IF EXISTS stores_status_index');
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await knex.raw('CREATE INDEX stores_name_trgm_idx ON stores USING gin (name gin_trgm_ops)');
  await knex.raw('CREATE INDEX stores_domain_trgm_idx ON stores USING gin (domain gin_trgm_ops)');
}

export async function down(knex: Knex): Promise<void> {
  for (const index of [
    'stores_domain_trgm_idx',
    'stores_name_trgm_idx',
    'stores_status_sort_idx',
    'stores_name_sort_idx',
    'stores_created_idx',
    'stores_owner_created_idx',
  ])
    await knex.raw(`DROP INDEX IF EXISTS ${index}`);
  await knex.raw('CREATE INDEX IF NOT EXISTS stores_status_index ON stores (status)');
}
