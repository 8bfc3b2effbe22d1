import type { Knex } from 'knex';

/**
 * Dashboard sessions, kept on the server: the cookie holds an opaque random id, this table its SHA-256.
 * Deleting the row ends the session at once (sign-out, password change); `last_seen_at` drives the idle
 * expiry. `users.password_changed_at` lets a password change end the user's JWTs issued before it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.text('id_hash').primary();
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.text('source_ip');
    t.index(['user_id']);
    t.index(['expires_at']);
  });
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('password_changed_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.dropColumn('password_changed_at'));
  await knex.schema.dropTable('sessions');
}
