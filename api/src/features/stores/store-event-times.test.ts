import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../db/create-knex.ts';
import { migrateLatest } from '../../db/migrate.ts';
import { KnexTransactor } from '../../db/transactor.ts';
import { createTestDatabase } from '../../../test/support/test-database.ts';
import { PgStoreRepository } from './store-repository.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let knex: Knex;

beforeAll(async () => {
  db = await createTestDatabase();
  knex = createKnex(db.url, 2);
  await migrateLatest(knex);
});
afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

describe('store timeline times', () => {
  it('events written in one transaction carry the moment each was written, as does the commit time', async () => {
    const stores = new PgStoreRepository(knex);
    const tx = new KnexTransactor(knex);
    const [user] = await knex('users').insert({ email: 'times@example.com' }).returning('id');
    const store = await tx.run((t) => stores.insert({ owner_id: user.id, name: 'shop', domain: 'shop.example.com' }, t));
    const started = await tx.run(async (t) => {
      const [{ now }] = (await knex.raw('SELECT now()').transacting(t as unknown as Knex.Transaction)).rows;
      await stores.transition(store!.id, { status: 'Pending', phase: 'committing', reason: 'Committing' }, t);
      await knex.raw('SELECT pg_sleep(0.2)').transacting(t as unknown as Knex.Transaction); // the push
      await stores.markCommitted(store!.id, { sha: 'a'.repeat(40), generation: 1 }, t);
      await stores.transition(store!.id, { status: 'Pending', phase: 'committed', reason: 'Committed' }, t);
      return new Date(now);
    });
    const [committing, committed] = (await stores.events(store!.id)).slice(-2);
    expect([committing!.phase, committed!.phase]).toEqual(['committing', 'committed']);
    const gap = committed!.created_at.getTime() - committing!.created_at.getTime();
    expect(gap).toBeGreaterThanOrEqual(190); // the 200 ms between them, not the same transaction start
    expect(committing!.created_at.getTime()).toBeGreaterThanOrEqual(started.getTime());
    const row = await stores.findById(store!.id);
    expect(new Date(row!.committed_at!).getTime() - started.getTime()).toBeGreaterThanOrEqual(190);
  });
});
