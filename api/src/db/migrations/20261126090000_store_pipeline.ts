import type { Knex } from 'knex';

/** What the GitOps pipeline records on a store: when it was committed, its pull request, its attempt. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.timestamp('committed_at', { useTz: true });
    t.integer('pull_request_number');
    t.text('pull_request_url');
    // Bumped by a retry: rendered into the Application so the retry is a new commit (Argo CD does not
    // retry a failed automated sync of the same revision).
    t.integer('attempt').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.dropColumn('committed_at');
    t.dropColumn('pull_request_number');
    t.dropColumn('pull_request_url');
    t.dropColumn('attempt');
  });
}
