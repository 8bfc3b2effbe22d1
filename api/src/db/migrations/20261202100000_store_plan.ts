import type { Knex } from 'knex';

/**
 * A store has a plan (a name from the operator's plans file, api/plans.yaml or PLANS_FILE): the sizes
 * rendered into its values. Stores created before plans existed are `small`, the plan that matches the
 * chart's defaults they were created with.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.text('plan').notNullable().defaultTo('small');
  });
  await knex.raw("ALTER TABLE stores ADD CONSTRAINT stores_plan_name CHECK (plan ~ '^[a-z][a-z0-9-]{0,29}$')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.dropColumn('plan');
  });
}
