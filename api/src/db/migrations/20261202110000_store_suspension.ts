import type { Knex } from 'knex';

/**
 * A store can be suspended (issue 14): WordPress and MySQL scaled to zero, the data kept, the Ingress
 * answering a holding page. The suspension is part of the store's desired state (rendered when
 * `suspended_at` is set) and says who holds it: the owner (a hibernation the owner lifts) or an operator
 * (billing, abuse: the owner cannot lift it), why, and since when. A resume clears all four columns.
 * `Suspended` joins the statuses the check constraint allows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stores', (t) => {
    t.timestamp('suspended_at', { useTz: true });
    // the user who suspended it; kept null if that user is deleted (the audit trail keeps the id)
    t.uuid('suspended_by').references('id').inTable('users').onDelete('SET NULL');
    t.text('suspended_by_kind');
    t.text('suspension_reason');
  });
  await knex.raw(`ALTER TABLE stores ADD CONSTRAINT stores_suspended_by_kind_check CHECK (suspended_by_kind IS NULL OR suspended_by_kind IN ('owner', 'operator'))`);
  await knex.raw(`ALTER TABLE stores ADD CONSTRAINT stores_suspension_reason_length CHECK (suspension_reason IS NULL OR char_length(suspension_reason) <= 500)`);
  // a suspension is whole: a time and a kind together (the suspender may have been deleted since)
  await knex.raw(`ALTER TABLE stores ADD CONSTRAINT stores_suspension_whole CHECK ((suspended_at IS NULL) = (suspended_by_kind IS NULL))`);
  await knex.raw('CREATE INDEX stores_suspended_idx ON stores (owner_id) WHERE suspended_at IS NOT NULL');
  await knex.raw('ALTER TABLE stores DROP CONSTRAINT stores_status_check');
  await knex.raw(`ALTER TABLE stores ADD CONSTRAINT stores_status_check CHECK (status IN ('Pending', 'Ready', 'Error', 'Suspended', 'Deleting'))`);
}

export async function down(knex: Knex): Promise<void> {
  // a suspended store comes back as Ready: the older code has no other word for it (its pods stay at zero
  // until it is rendered again)
  await knex('stores').where('status', 'Suspended').update({ status: 'Ready', phase: 'ready' });
  await knex.raw('ALTER TABLE stores DROP CONSTRAINT stores_status_check');
  await knex.raw(`ALTER TABLE stores ADD CONSTRAINT stores_status_check CHECK (status IN ('Pending', 'Ready', 'Error', 'Deleting'))`);
  await knex.raw('DROP INDEX IF EXISTS stores_suspended_idx');
  await knex.schema.alterTable('stores', (t) => {
    t.dropChecks(['stores_suspended_by_kind_check', 'stores_suspension_reason_length', 'stores_suspension_whole']);
    t.dropColumn('suspended_at');
    t.dropColumn('suspended_by');
    t.dropColumn('suspended_by_kind');
    t.dropColumn('suspension_reason');
  });
}
