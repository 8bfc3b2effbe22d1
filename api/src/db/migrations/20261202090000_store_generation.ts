import type { Knex } from 'knex';

/**
 * A store's desired state has a generation (Kubernetes' metadata.generation / observedGeneration pattern):
 * every change to what should be in Git (a create, a retry, a plan change, a suspend, a domain) increments
 * `generation` in the transaction that makes the change; the committer renders the store and records the
 * generation it rendered as `committed_generation`. A store is due a commit while generation is ahead.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.integer('generation').notNullable().defaultTo(1);
    t.integer('committed_generation').notNullable().defaultTo(0);
  });
  await knex('stores').whereNotNull('commit_sha').update({ committed_generation: 1 });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.dropColumn('generation');
    t.dropColumn('committed_generation');
  });
}
