// Entry point of one platform process: `node api/src/main.ts` (Node 24 runs the TypeScript as is).
// ROLES=api,worker (default) serves HTTP and runs jobs; replicas may take one role each.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { localSecrets } from './config/local-secrets.ts';
import { classifyDatabaseError, describeDatabaseUrl, EX_CONFIG, exitWith, StartupFailure } from './config/startup-failure.ts';
import { createLogger } from './logging/create-logger.ts';
import { createKnex } from './db/create-knex.ts';
import { migrateLatest } from './db/migrate.ts';
import { createPlatform } from './app.ts';
import { createWorker } from './jobs/create-worker.ts';
import { createUiHandler } from '../../ui/server.ts';
import { connectPipeline, initGitOpsRepo, type PipelineConnections } from './features/provisioning/connect-pipeline.ts';

// Outside production, secrets left unset come from (or are generated once into) the data folder:
// never a constant of the source. Production requires them (loadConfig refuses to start without).
const dataDir = process.env.DATA_DIR || join(fileURLToPath(new URL('../..', import.meta.url)), '.data');
let secretFiles: ReturnType<typeof localSecrets>;
try {
  secretFiles = localSecrets(dataDir, process.env);
} catch (err) {
  exitWith(
    new StartupFailure(
      `the secrets folder ${join(dataDir, 'secrets')} cannot be used (${(err as Error).message}); set DATA_DIR to a writable folder, or set JWT_SECRET, SECRETS_ENCRYPTION_KEY and DASHBOARD_SECRET`,
      EX_CONFIG,
    ),
  );
}
Object.assign(process.env, secretFiles.values);

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(EX_CONFIG);
  }
  throw err;
}
// The in-process dashboard presents sessions and the browser's address with this secret.
process.env.DASHBOARD_SECRET = config.dashboardSecret;

const logger = createLogger(config.logLevel);
for (const path of secretFiles.generated)
  logger.warn({ path }, 'generated a secret on first start and kept it in the data folder (mode 0600); set it in the environment for production');
// knex's own messages (a connection that failed, with its stack) go to the log as one line each.
const knexLog = (level: 'warn' | 'error' | 'debug') => (msg: unknown) =>
  logger[level]({ component: 'knex' }, String((msg as Error)?.message ?? msg).split('\n')[0]);
const knex = createKnex(config.databaseUrl, config.databasePoolMax, {
  warn: knexLog('debug'),
  error: knexLog('debug'),
  deprecate: knexLog('warn'),
  debug: knexLog('debug'),
});

// Migrations: retried while the database comes up (~30 s); safe when several replicas start at once.
// A wrong password, user, database or host stops at once; either way one line says what to change.
const database = describeDatabaseUrl(config.databaseUrl);
for (let attempt = 1; ; attempt++) {
  try {
    const applied = await migrateLatest(knex);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    break;
  } catch (err) {
    const { transient, reason } = classifyDatabaseError(err);
    if (!transient || attempt >= 30) {
      await knex.destroy().catch(() => undefined);
      exitWith(
        new StartupFailure(
          `the database at ${database} ${transient ? 'did not answer for 30 s' : 'refused us'} (${reason}); check DATABASE_URL`,
          transient ? 1 : EX_CONFIG,
        ),
      );
    }
    if (attempt === 1) logger.warn({ database, reason }, 'database not reachable yet; waiting up to 30 s (DATABASE_URL)');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// The pipeline needs Git and a cluster: always for a worker; for an API replica when configured (store health).
let connections: PipelineConnections | undefined;
if (config.roles.includes('worker') || config.gitops.repo) {
  connections = connectPipeline(config, logger);
  if (config.roles.includes('worker')) {
    const init = await initGitOpsRepo(config, connections.writer).catch((err: Error) => {
      exitWith(
        new StartupFailure(
          `the GitOps repo ${config.gitops.repo} cannot be used (${err.message.split('\n')[0]}); check GITOPS_REPO${config.gitops.token ? ' and GITOPS_TOKEN' : ''}`,
        ),
      );
    });
    if (init.created) logger.info({ sha: init.sha }, 'GitOps repo initialised from the template');
  }
}
const ui = config.roles.includes('api') ? await createUiHandler({ dashboardSecret: config.dashboardSecret }) : undefined;
if (config.roles.includes('api') && !ui) logger.warn('the dashboard is not built (npm run build:ui): serving the API only');
const platform = createPlatform(config, logger, { knex, connections, ui });
let server: Server | undefined;
if (config.roles.includes('api')) {
  // Listening comes before the worker: a port that is taken stops the whole process, with one line.
  const s = platform.app.listen(config.port, config.host);
  await new Promise<void>((resolve) => {
    s.once('listening', () => resolve());
    s.once('error', (err: NodeJS.ErrnoException) => {
      void connections?.close().catch(() => undefined);
      void knex.destroy().catch(() => undefined);
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${config.port} on ${config.host} is already in use (another \`npm start\`?); set PORT to a free port`
          : err.code === 'EACCES'
            ? `port ${config.port} needs privileges; set PORT above 1024`
            : `cannot listen on ${config.host}:${config.port} (${err.code ?? err.message}); check HOST and PORT`;
      exitWith(new StartupFailure(why));
    });
  });
  server = s;
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  logger.info({ port, roles: config.roles }, `store platform listening on http://localhost:${port}`);
}
const worker = config.roles.includes('worker') ? createWorker(config, logger, platform.pipeline!.jobs) : undefined;
if (worker) {
  await worker.start();
  platform.webhookDispatcher.start(); // the webhook outbox is sent where the jobs run
  logger.info({ concurrency: config.workerConcurrency }, 'worker started');
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await worker?.stop();
  if (worker) await platform.webhookDispatcher.stop();
  await connections?.close();
  await knex.destroy();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
