import type { Knex } from 'knex';
import { getCreateIndexesSQL, getCreateTableSQL } from '@agendajs/postgres-backend';

/** Users, API keys, stores and their timeline, audit, idempotency keys, rate-limit counters, jobs. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pgcrypto');

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable();
    t.text('password_hash'); // null for users of an external identity provider
    t.text('role').notNullable().defaultTo('user');
    t.integer('store_quota'); // null: DEFAULT_STORE_QUOTA applies
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('user', 'operator'))`);
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_store_quota_check CHECK (store_quota IS NULL OR store_quota >= 0)`);
  await knex.raw('CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email))');

  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('prefix').notNullable();
    t.text('key_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.index(['user_id']);
  });

  await knex.schema.createTable('stores', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('RESTRICT');
    t.text('name').notNullable();
    t.text('domain').notNullable();
    t.text('status').notNullable().defaultTo('Pending');
    t.text('phase').notNullable().defaultTo('queued');
    t.text('message');
    t.text('commit_sha');
    t.jsonb('sealed_secrets');
    t.text('admin_username');
    t.text('admin_password_enc');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ready_at', { useTz: true });
    t.unique(['domain']);
    t.index(['status']);
  });
  // Store names are unique per owner regardless of case ("Shop" and "shop" would share a default domain).
  await knex.raw('CREATE UNIQUE INDEX stores_owner_name_idx ON stores (owner_id, lower(name))');
  await knex.raw(`ALTER TABLE stores ADD CONSTRAINT stores_status_check CHECK (status IN ('Pending', 'Ready', 'Error', 'Deleting'))`);

  await knex.schema.createTable('store_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('store_id').notNullable().references('stores.id').onDelete('CASCADE');
    t.text('status').notNullable();
    t.text('phase').notNullable();
    t.text('reason').notNullable();
    t.text('message');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['store_id', 'id']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('action').notNullable();
    t.text('outcome').notNullable();
    t.uuid('user_id'); // no FK: audit outlives users and stores
    t.text('identity'); // attempted or actual identity (e-mail, key prefix, token subject)
    t.uuid('store_id');
    t.text('resource');
    t.text('source_ip');
    t.text('request_id');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['at']);
    t.index(['user_id', 'at']);
    t.index(['store_id', 'at']);
    t.index(['action', 'at']);
  });
  await knex.raw(`ALTER TABLE audit_events ADD CONSTRAINT audit_outcome_check CHECK (outcome IN ('success', 'failure'))`);

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('key').notNullable();
    t.text('request_hash').notNullable();
    t.uuid('store_id').notNullable().references('stores.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'key']);
  });

  await knex.schema.createTable('rate_limits', (t) => {
    t.text('key').primary();
    t.integer('hits').notNullable();
    t.timestamp('reset_at', { useTz: true }).notNullable();
  });

  // agenda's job table, created here so a store row and its job are written in ONE transaction.
  await knex.raw(getCreateTableSQL('agenda_jobs'));
  for (const sql of getCreateIndexesSQL('agenda_jobs')) await knex.raw(sql);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['agenda_jobs', 'rate_limits', 'idempotency_keys', 'audit_events', 'store_events', 'stores', 'api_keys', 'users']) {
    await knex.schema.dropTableIfExists(table);
  }
}
