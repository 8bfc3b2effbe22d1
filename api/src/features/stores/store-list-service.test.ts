import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { StoreService } from './store-service.ts';

const reject = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('expected a rejection')),
    (e) => e as { status: number; code: string; errors?: Array<{ field: string; code: string }> },
  );

describe(`${StoreService.name}.listPage`, () => {
  it('pages one owner’s stores by cursor to the end, each once, with the total and the quota', async () => {
    const f = createFakeServices();
    const me = await f.actors.user();
    const other = await f.actors.user();
    for (const name of ['d', 'b', 'e', 'a', 'c']) f.repos.stores.seed({ owner_id: me.userId, name });
    f.repos.stores.seed({ owner_id: other.userId, name: 'zz' });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await f.services.stores.listPage(me, { scope: 'mine', sort: 'name', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(5);
      expect(page.quota).toEqual({ limit: 5, used: 5, mode: 'stores', suspended: 0 });
      seen.push(...page.rows.map((r) => r.store.name));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('refuses every user’s stores to a non-operator (403, audited), and gives them to an operator with owners', async () => {
    const f = createFakeServices();
    const user = await f.actors.user();
    const operator = await f.actors.user('ops@example.com', 'operator');
    f.repos.stores.seed({ owner_id: user.userId, name: 'theirs' });
    expect(await reject(f.services.stores.listPage(user, { scope: 'all', limit: 10 }))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(f.repos.audit.actions()).toContain('authz.denied:failure');
    const all = await f.services.stores.listPage(operator, { scope: 'all', limit: 10 });
    expect(all.rows.map((r) => [r.store.name, r.ownerEmail])).toEqual([['theirs', user.email]]);
    expect(all.quota).toEqual({ limit: 5, used: 0, mode: 'stores', suspended: 0 });
  });

  it('refuses a cursor of another filter or sort, and a cursor with an offset (422, field cursor)', async () => {
    const f = createFakeServices();
    const me = await f.actors.user();
    for (const name of ['a', 'b', 'c']) f.repos.stores.seed({ owner_id: me.userId, name });
    const first = await f.services.stores.listPage(me, { scope: 'mine', limit: 1 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const cursor = first.nextCursor!;
    for (const req of [
      { scope: 'mine' as const, limit: 1, cursor, sort: 'name' as const },
      { scope: 'mine' as const, limit: 1, cursor, search: 'a' },
      { scope: 'mine' as const, limit: 1, cursor: 'not-a-cursor' },
    ])
      expect((await reject(f.services.stores.listPage(me, req))).errors).toEqual([expect.objectContaining({ field: 'cursor', code: 'invalid_cursor' })]);
    expect((await reject(f.services.stores.listPage(me, { scope: 'mine', limit: 1, cursor, offset: 1 }))).errors).toEqual([
      expect.objectContaining({ field: 'cursor', code: 'cursor_with_offset' }),
    ]);
  });
});
