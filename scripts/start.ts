// `npm start`: the whole platform on embedded defaults, on one port (API under /api/v1, dashboard at /).
// - Database: DATABASE_URL if set; else the local PostgreSQL on 127.0.0.1:5432 (database store_platform,
//   created if missing); else a private cluster made with the machine's initdb/pg_ctl in .data/postgres;
//   else a message saying how to get one.
// - GitOps repo: GITOPS_REPO if set; else a local bare repo in .data/gitops.git, filled from the template.
// - Cluster: CLUSTER_KUBECONFIG if set (a real cluster with Argo CD); else sim/ as a child process
//   (state in .data/sim, so a restart keeps the simulated stores), clearly marked as simulated.
// - Dashboard: built into ui/build on first start if missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrivatePostgres, findPostgresBin } from '../api/src/db/private-postgres.ts';
import { GitWriter } from '../gitops/src/git-writer.ts';
import { loadRepoTemplate } from '../renderer/src/repo-template.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, '.data');
const DB_NAME = 'store_platform';
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
      say(`database: the local PostgreSQL at 127.0.0.1:5432 as ${user}, database ${DB_NAME}`);
      return ensureDatabase(local);
    }
  }
  if (findPostgresBin()) {
    const port = Number(process.env.PRIVATE_PG_PORT ?? 55432);
    const server = new PrivatePostgres(join(data, 'postgres'), port);
    if (!(await reachable(server.url))) {
      say(`database: no PostgreSQL reachable; starting a private cluster in .data/postgres on port ${port}`);
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

/** sim/ as a child process; resolves with its kubeconfig once it serves. */
async function startSim(repo: string): Promise<string> {
  const stateDir = process.env.SIM_STATE_DIR ?? join(data, 'sim');
  const child = spawn(process.execPath, [join(root, 'sim', 'src', 'main.ts')], {
    env: { ...process.env, SIM_REPO_URL: repo, SIM_REPO_REVISION: 'main', SIM_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.on('exit', () => child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      process.stdout.write(d);
      buf += d.toString();
      const m = /"kubeconfigPath":"([^"]+)"/.exec(buf);
      if (m && /SIMULATED cluster started/.test(buf)) {
        buf = '';
        resolve(m[1]!);
      }
      if (buf.length > 100_000) buf = buf.slice(-10_000);
    });
    child.once('exit', (code) => reject(new Error(`the simulated cluster exited with ${code}`)));
  });
}

process.env.DATABASE_URL = await findDatabase();
process.env.GITOPS_REPO ??= await localGitOpsRepo();
if (!process.env.CLUSTER_KUBECONFIG) {
  say('cluster: SIMULATED (sim/): Argo CD and Kubernetes are stood in for; set CLUSTER_KUBECONFIG for a real cluster');
  process.env.CLUSTER_KUBECONFIG = await startSim(process.env.GITOPS_REPO);
  process.env.CLUSTER_SIMULATED = 'true';
}
if (!existsSync(join(root, 'ui', 'build', 'handler.js'))) {
  say('building the dashboard (first start)…');
  const r = spawnSync('npm', ['run', '--silent', 'build:ui'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) say('the dashboard did not build; serving the API only');
}
await import('../api/src/main.ts');
