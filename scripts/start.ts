// `npm start`: the platform on embedded defaults. Finds a database, then runs api/src/main.ts.
// Database: DATABASE_URL if set; else the local PostgreSQL on 127.0.0.1:5432 (database store_platform,
// created if missing); else a private cluster made with the machine's initdb/pg_ctl in .data/postgres;
// else a message saying how to get one.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrivatePostgres, findPostgresBin } from '../api/src/db/private-postgres.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DB_NAME = 'store_platform';

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(adminUrl: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (!rowCount) await c.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await c.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
}

async function findDatabase(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  for (const user of ['postgres', process.env.USER ?? 'root']) {
    const local = `postgres://${user}@127.0.0.1:5432/postgres`;
    if (await reachable(local)) {
      console.log(`start: using the local PostgreSQL at 127.0.0.1:5432 as ${user}, database ${DB_NAME}`);
      return ensureDatabase(local);
    }
  }
  if (findPostgresBin()) {
    const port = Number(process.env.PRIVATE_PG_PORT ?? 55432);
    const server = new PrivatePostgres(join(root, '.data', 'postgres'), port);
    if (!(await reachable(server.url))) {
      console.log(`start: no PostgreSQL reachable; starting a private cluster in .data/postgres on port ${port}`);
      server.start();
    }
    return ensureDatabase(server.url);
  }
  console.error(
    'start: no database. Set DATABASE_URL=postgres://user:pass@host:5432/db, or start a local PostgreSQL on 127.0.0.1:5432 ' +
      '(Debian/Ubuntu: apt-get install postgresql && pg_ctlcluster <version> main start).',
  );
  process.exit(1);
}

process.env.DATABASE_URL = await findDatabase();
await import('../api/src/main.ts');
