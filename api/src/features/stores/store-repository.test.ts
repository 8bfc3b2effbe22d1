import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createKnex } from '../../db/create-knex.ts';
import { migrateLatest } from '../../db/migrate.ts';
import { KnexTransactor } from '../../db/transactor.ts';
import { createTestDatabase } from '../../../test/support/test-database.ts';
import { PgStoreRepository } from './store-repository.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let knex: Knex;
let repo: PgStoreRepository;
let owner: string;
beforeAll(async () => {
  db = await createTestDatabase();
  knex = createKnex(db.url, 2);
  await migrateLatest(knex);
  repo = new PgStoreRepository(knex);
  owner = ((await knex('users').insert({ email: 'repo@example.com', role: 'user' }).returning('id')) as Array<{ id: string }>)[0]!.id;
});
afterAll(async () => {
  await knex.destroy();
  await db.drop();
});

describe(PgStoreRepository.name, () => {
  it('what the status cycle reads: the rows it asks for by id, and the versions of rows updated since a moment', async () => {
    const tx = new KnexTransactor(knex);
    const [a, b, c] = await tx.run(async (t) =>
      Promise.all(['a', 'b', 'c'].map(async (n) => (await repo.insert({ owner_id: owner, name: n, domain: `${n}.example.test` }, t))!)),
    );
    expect((await repo.listForStatusByIds([a!.id, c!.id])).map((s) => s.name).sort()).toEqual(['a', 'c']);
    expect(await repo.listForStatusByIds([])).toEqual([]);

    const since = new Date(Date.now() + 1000);
    await knex('stores').update({ updated_at: new Date(since.getTime() - 60_000) }); // every row is older than `since`
    expect(await repo.listVersionsSince(since)).toEqual([]);
    await tx.run((t) => repo.transition(b!.id, { status: 'Pending', phase: 'committing', reason: 'Test' }, t));
    await knex('stores').where('id', b!.id).update({ updated_at: since });
    const versions = await repo.listVersionsSince(since);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ id: b!.id, status: 'Pending', phase: 'committing', commit_sha: null, attempt: 0 });
    expect(versions[0]!.updated_at).toBeInstanceOf(Date);
  });
});
