import type { Knex } from 'knex';
import type { Config } from '../../api/src/config/config.ts';
import { TokenService } from '../../api/src/auth/token-service.ts';

export type BenchUser = { id: string; email: string; token: string };

/**
 * Inserts `n` users straight into the database (sign-up hashes a password, which would dominate the
 * set-up) with a quota large enough for the bench, and issues each an access token the way sign-in does.
 */
export async function insertUsers(knex: Knex, config: Config, n: number, prefix: string, quota = 10_000): Promise<BenchUser[]> {
  const tokens = new TokenService(config.jwt);
  const out: BenchUser[] = [];
  for (let i = 0; i < n; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ email: `${prefix}-${i + k}@bench.example.com`, store_quota: quota }));
    const inserted: Array<{ id: string; email: string }> = await knex('users').insert(rows).returning(['id', 'email']);
    for (const u of inserted) out.push({ ...u, token: tokens.issue({ id: u.id, email: u.email }).accessToken });
  }
  return out;
}

/** Stores inserted straight into the database: `perUser` for each owner, names and domains unique. */
export async function insertStores(
  knex: Knex,
  owners: Array<{ id: string }>,
  total: number,
  prefix: string,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const ids: string[] = [];
  const all = Array.from({ length: total }, (_, i) => ({
    owner_id: owners[i % owners.length]!.id,
    name: `${prefix}-${i}`,
    domain: `${prefix}-${i}.bench.example.com`,
    ...extra,
  }));
  for (let i = 0; i < all.length; i += 1000) {
    const rows: Array<{ id: string }> = await knex('stores')
      .insert(all.slice(i, i + 1000))
      .returning('id');
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}
