/**
 * scripts/migrate.ts — the command of the chart's migrations hook Job — against the real PostgreSQL:
 * applies every migration once, is a no-op the second time, and exits non-zero on bad input.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '../../../api/test/support/test-database.ts';
import { repoRoot } from '../../../argocd/test/support/cluster-manifests.ts';

const script = join(repoRoot, 'scripts', 'migrate.ts');
const migrate = (env: Record<string, string>) => spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('scripts/migrate.ts', () => {
  it('applies the migrations, then finds nothing left to do', async () => {
    const first = migrate({ DATABASE_URL: db.url });
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const applied = JSON.parse(first.stdout.trim().split('\n').pop()!) as { applied: string[] };
    expect(applied.applied.length).toBeGreaterThanOrEqual(2);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query('SELECT name FROM knex_migrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(applied.applied);
    } finally {
      await c.end();
    }
    const second = migrate({ DATABASE_URL: db.url });
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout.trim()).applied).toEqual([]);
  });

  it('exits 78 without a usable DATABASE_URL, and 1 when the database stays unreachable', () => {
    const none = migrate({});
    expect(none.status).toBe(78);
    expect(none.stderr).toContain('DATABASE_URL');
    const down = migrate({ DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/x', MIGRATE_WAIT_SECONDS: '0' });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('migrations failed');
    expect(down.stderr).not.toContain('secret');
  });
});
