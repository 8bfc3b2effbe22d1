// `npm start`: the whole platform on embedded defaults, on one port (API under /api/v1, dashboard at /).
// - Database: DATABASE_URL if set; else the local PostgreSQL on 127.0.0.1:5432 (database store_platform,
//   or store_platform_<hash> for a second clone on the machine, created if missing); else a private cluster made with the machine's initdb/pg_ctl in .data/postgres;
//   else a message saying how to get one.
// - GitOps repo: GITOPS_REPO if set; else a local bare repo in .data/gitops.git, filled from the template.
// - Cluster: CLUSTER_KUBECONFIG if set (a real cluster with Argo CD); else sim/ as a child process
//   (state in .data/sim, so a restart keeps the simulated stores), clearly marked as simulated.
// - Dashboard: built into ui/build on first start if missing.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrivatePostgres, findPostgresBin } from '../api/src/db/private-postgres.ts';
import { GitWriter } from '../gitops/src/git-writer.ts';
import { loadRepoTemplate } from '../renderer/src/repo-template.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// DATA_DIR (default .data): database, GitOps repo, sim state and generated secrets of this installation.
const data = process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : join(root, '.data');
process.env.DATA_DIR = data;
const DB_NAME_FILE = join(data, 'database-name');
const say = (msg: string) => console.log(`start: ${msg}`);

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

/**
 * The database of this installation on a shared server: remembered in DATA_DIR/database-name. The first
 * clone (or one that ran before this file existed) gets `store_platform`; another clone on the same
 * machine gets `store_platform_<hash of its folder>`, so two clones never share stores, jobs or secrets.
 */
async function databaseName(c: pg.Client): Promise<string> {
  if (existsSync(DB_NAME_FILE)) return readFileSync(DB_NAME_FILE, 'utf8').trim();
  const legacy = existsSync(join(data, 'gitops.git'));
  const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', ['store_platform']);
  const name = legacy || !rowCount ? 'store_platform' : `store_platform_${createHash('sha256').update(data).digest('hex').slice(0, 10)}`;
  mkdirSync(data, { recursive: true });
  writeFileSync(DB_NAME_FILE, name + '\n');
  return name;
}

async function ensureDatabase(adminUrl: string): Promise<{ url: string; name: string }> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  let name: string;
  try {
    name = await databaseName(c);
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

async function findDatabase(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  for (const user of ['postgres', process.env.USER ?? 'root']) {
    const local = `postgres://${user}@127.0.0.1:5432/postgres`;
    if (await reachable(local)) {
      const db = await ensureDatabase(local);
      say(`database: the local PostgreSQL at 127.0.0.1:5432 as ${user}, database ${db.name}`);
      return db.url;
    }
  }
  if (findPostgresBin()) {
    const port = Number(process.env.PRIVATE_PG_PORT ?? 55432);
    const server = new PrivatePostgres(join(data, 'postgres'), port);
    if (!(await reachable(server.url))) {
      say(`database: no PostgreSQL reachable; starting a private cluster in .data/postgres on port ${port}`);
      server.start();
    }
    return (await ensureDatabase(server.url)).url;
  }
  console.error(
    'start: no database. Set DATABASE_URL=postgres://user:pass@host:5432/db, or start a local PostgreSQL on 127.0.0.1:5432 ' +
      '(Debian/Ubuntu: apt-get install postgresql && pg_ctlcluster <version> main start).',
  );
  process.exit(1);
}

/** A local bare GitOps repo, filled from gitops-repo-template/ and the chart on first start. */
async function localGitOpsRepo(): Promise<string> {
  const repo = join(data, 'gitops.git');
  if (!existsSync(join(repo, 'HEAD'))) {
    mkdirSync(repo, { recursive: true });
    spawnSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', repo], { stdio: 'inherit' });
  }
  const writer = new GitWriter({ remote: repo, branch: 'main' });
  const init = await writer.init(await loadRepoTemplate({ repoUrl: repo, targetRevision: 'main' }));
  await writer.close();
  say(`GitOps repo: ${repo}${init.created ? ' (initialised from the template)' : ''}`);
  return repo;
}

/**
 * sim/ as a child process; resolves with its kubeconfig once it serves. Its readiness comes over an IPC
 * message, not a log line, so any LOG_LEVEL works. Without SIM_PORT its port is any free one, so a second
 * clone's `npm start` on this machine does not collide with the first.
 */
async function startSim(repo: string): Promise<string> {
  const stateDir = process.env.SIM_STATE_DIR ?? join(data, 'sim');
  const child = spawn(process.execPath, [join(root, 'sim', 'src', 'main.ts')], {
    env: { ...process.env, SIM_REPO_URL: repo, SIM_REPO_REVISION: 'main', SIM_STATE_DIR: stateDir, SIM_PORT: process.env.SIM_PORT || '0' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.on('exit', () => child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type?: string; kubeconfigPath?: string }) => {
      if (m?.type === 'sim-ready' && m.kubeconfigPath) {
        child.disconnect();
        resolve(m.kubeconfigPath);
      }
    });
    child.once('exit', (code) => reject(new Error(`the simulated cluster exited with ${code}`)));
  });
}

/** Fails fast, in one line, when the API's port is taken (e.g. by another clone's `npm start`). */
async function checkPortFree(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '0.0.0.0';
  const taken = await new Promise<string | undefined>((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
  if (taken === 'EADDRINUSE') {
    console.error(`start: port ${port} is already in use (another \`npm start\`?); run with PORT=<free port> npm start`);
    process.exit(1);
  }
}

await checkPortFree();
process.env.DATABASE_URL = await findDatabase();
process.env.GITOPS_REPO ??= await localGitOpsRepo();
if (!process.env.CLUSTER_KUBECONFIG) {
  say('cluster: SIMULATED (sim/): Argo CD and Kubernetes are stood in for; set CLUSTER_KUBECONFIG for a real cluster');
  process.env.CLUSTER_KUBECONFIG = await startSim(process.env.GITOPS_REPO).catch((err: Error) => {
    console.error(`start: ${err.message}`);
    process.exit(1);
  });
  process.env.CLUSTER_SIMULATED = 'true';
}
if (!existsSync(join(root, 'ui', 'build', 'handler.js'))) {
  say('building the dashboard (first start)…');
  const r = spawnSync('npm', ['run', '--silent', 'build:ui'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) say('the dashboard did not build; serving the API only');
}
await import('../api/src/main.ts');
