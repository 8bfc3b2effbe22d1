import type { Knex } from 'knex';

/**
 * Custom domains with proof of ownership. A claim (`store_domains`) holds the TXT token the owner
 * publishes at `_store-platform-challenge.<domain>` and the verification state:
 *   pending → verified (the record matched) | expired (not matched in time) | failed (someone else won).
 * Several stores may hold PENDING claims to one domain; only one may hold it VERIFIED (partial unique
 * index), and the first to verify wins. A store's verified domains are part of its desired state
 * (`stores.custom_domains`, rendered into the Ingress and its certificate); `stores.primary_domain` is the
 * URL shown (null: the default domain).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('store_domains', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('store_id').notNullable().references('stores.id').onDelete('CASCADE');
    t.text('domain').notNullable();
    t.text('token').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    /** Why a claim failed or expired, in words for the owner. */
    t.text('reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** A pending claim not verified by then expires. */
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('verified_at', { useTz: true });
    t.timestamp('last_checked_at', { useTz: true });
    /** What the last check found, in words (e.g. "No TXT record at …"). */
    t.text('last_check_result');
    t.integer('checks').notNullable().defaultTo(0);
    t.unique(['store_id', 'domain'], { indexName: 'store_domains_store_domain_unique' });
  });
  await knex.raw(`ALTER TABLE store_domains ADD CONSTRAINT store_domains_status_check CHECK (status IN ('pending', 'verified', 'expired', 'failed'))`);
  // The rule "a domain verified by one tenant cannot be claimed by another", held by the database.
  await knex.raw(`CREATE UNIQUE INDEX store_domains_verified_unique ON store_domains (domain) WHERE status = 'verified'`);
  await knex.raw(`CREATE INDEX store_domains_domain_idx ON store_domains (domain)`);
  await knex.schema.alterTable('stores', (t) => {
    t.specificType('custom_domains', 'text[]').notNullable().defaultTo('{}');
    t.text('primary_domain');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.dropColumn('custom_domains');
    t.dropColumn('primary_domain');
  });
  await knex.schema.dropTable('store_domains');
}
