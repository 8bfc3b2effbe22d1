import type { Knex } from 'knex';

/**
 * Signed webhooks: endpoints (per user, secret sealed at rest), the outbox of events (written in the
 * transaction of the change they report), one delivery per subscribed endpoint, and every attempt.
 * A delivery is sent only after the earlier ones of the same endpoint and ordering key (the store) are
 * delivered or given up: the oldest open delivery of each such chain is its `head`, the only one a worker
 * may claim, so a claim reads only due heads (however long the queue behind a receiver that is down).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('url').notNullable();
    t.specificType('events', 'text[]').notNullable();
    t.text('secret_enc').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'created_at']);
  });
  await knex.raw(`ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_url_length CHECK (char_length(url) BETWEEN 1 AND 2048)`);
  await knex.raw(`ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_nonempty CHECK (cardinality(events) > 0)`);

  await knex.schema.createTable('webhook_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('type').notNullable();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    // No foreign key: a store.deleted event outlives its store.
    t.uuid('store_id');
    // The exact JSON sent and signed (text, so every retry carries the same bytes and key order).
    t.text('body').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('event_id').notNullable().references('webhook_events.id').onDelete('CASCADE');
    t.uuid('endpoint_id').notNullable().references('webhook_endpoints.id').onDelete('CASCADE');
    /** Deliveries with the same endpoint and key go out strictly in id order (the store id, else the event id). */
    t.text('ordering_key').notNullable();
    /** The oldest open delivery of its chain: the one to send next. Moved on when it is delivered or given up. */
    t.boolean('head').notNullable().defaultTo(false);
    t.text('state').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('locked_until', { useTz: true });
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
  });
  await knex.raw(
    `ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_state CHECK (state IN ('pending', 'delivering', 'delivered', 'failed'))`,
  );
  await knex.raw(
    `CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, ordering_key, id) WHERE state IN ('pending', 'delivering')`,
  );
  await knex.raw(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE head`);
  await knex.raw(`CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC)`);

  await knex.schema.createTable('webhook_delivery_attempts', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('delivery_id').notNullable().references('webhook_deliveries.id').onDelete('CASCADE');
    t.uuid('endpoint_id').notNullable().references('webhook_endpoints.id').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.text('outcome').notNullable();
    t.integer('status_code');
    t.integer('duration_ms').notNullable();
    t.text('error');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['endpoint_id', 'id']);
  });
  await knex.raw(
    `ALTER TABLE webhook_delivery_attempts ADD CONSTRAINT webhook_delivery_attempts_outcome CHECK (outcome IN ('delivered', 'retrying', 'failed'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_delivery_attempts');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_events');
  await knex.schema.dropTable('webhook_endpoints');
}
