// Entry point of one platform process: `node api/src/main.ts` (Node 24 runs the TypeScript as is).
// ROLES=api,worker (default) serves HTTP and runs jobs; replicas may take one role each.
import type { Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { createLogger } from './logging/create-logger.ts';
import { createKnex } from './db/create-knex.ts';
import { migrateLatest } from './db/migrate.ts';
import { createPlatform } from './app.ts';
import { createWorker } from './jobs/create-worker.ts';
import { createUiHandler } from '../../ui/server.ts';
import { connectPipeline, initGitOpsRepo, type PipelineConnections } from './features/provisioning/connect-pipeline.ts';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

const logger = createLogger(config.logLevel);
const knex = createKnex(config.databaseUrl, config.databasePoolMax);

// Migrations: retried while the database comes up; safe when several replicas start at once.
for (let attempt = 1; ; attempt++) {
  try {
    const applied = await migrateLatest(knex);
    if (applied.length) logger.info({ applied }, 'migrations applied');
    break;
  } catch (err) {
    if (attempt >= 30) {
      logger.fatal({ err }, 'database unavailable: giving up');
      process.exit(1);
    }
    logger.warn({ err: (err as Error).message, attempt }, 'database not ready; retrying');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// The pipeline needs Git and a cluster: always for a worker; for an API replica when configured (store health).
let connections: PipelineConnections | undefined;
if (config.roles.includes('worker') || config.gitops.repo) {
  connections = connectPipeline(config, logger);
  if (config.roles.includes('worker')) {
    const init = await initGitOpsRepo(config, connections.writer);
    if (init.created) logger.info({ sha: init.sha }, 'GitOps repo initialised from the template');
  }
}
const ui = config.roles.includes('api') ? await createUiHandler() : undefined;
if (config.roles.includes('api') && !ui) logger.warn('the dashboard is not built (npm run build:ui): serving the API only');
const platform = createPlatform(config, logger, { knex, connections, ui });
let server: Server | undefined;
if (config.roles.includes('api')) {
  server = platform.app.listen(config.port, config.host, () => {
    const addr = server!.address();
    logger.info(
      { port: typeof addr === 'object' && addr ? addr.port : config.port, roles: config.roles },
      `store platform listening on http://localhost:${typeof addr === 'object' && addr ? addr.port : config.port}`,
    );
  });
}
const worker = config.roles.includes('worker') ? createWorker(config, logger, platform.pipeline!.jobs) : undefined;
if (worker) {
  await worker.start();
  logger.info({ concurrency: config.workerConcurrency }, 'worker started');
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await worker?.stop();
  await connections?.close();
  await knex.destroy();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
