import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startSim, type Sim } from '../../../sim/src/sim.ts';
import type { TimingProfile } from '../../../sim/src/timing-profiles.ts';
import { createBareRepo, startGitHttpServer, type GitHttpServer } from '../../../gitops/test/support/git-http-server.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/create-logger.ts';
import { createKnex } from '../../src/db/create-knex.ts';
import { migrateLatest } from '../../src/db/migrate.ts';
import { createPlatform, type Platform } from '../../src/app.ts';
import { createWorker } from '../../src/jobs/create-worker.ts';
import { connectPipeline, initGitOpsRepo, type PipelineConnections } from '../../src/features/provisioning/connect-pipeline.ts';
import { createTestDatabase } from './test-database.ts';
import { GitWriter } from '../../../gitops/src/git-writer.ts';
import { loadRepoTemplate } from '../../../renderer/src/repo-template.ts';
import { LogCapture } from './log-capture.ts';
import { requestJson, type ApiResponse, type RequestOptions } from './request-json.ts';

/** Fast but honest sim timings for tests (the kubelet still takes its steps, only shorter). */
export const FAST_TIMINGS = {
  podStartMs: 100,
  podReadyMs: 150,
  jobCompleteMs: 150,
  pvcBindMs: 50,
  ingressAddressMs: 50,
  certificateReadyMs: 50,
  namespaceTerminationMs: 200,
  timeScale: 0.1,
};

/**
 * The whole loop for end-to-end tests: a fresh database, a bare GitOps repo served by the real
 * `git http-backend` (token auth), `sim/` reading that repo over HTTP with the real helm, and the
 * platform (API + worker) configured exactly as in production: kubeconfig, repo URL, token.
 */
export type PipelineHarness = {
  baseUrl: string;
  platform: Platform;
  config: Config;
  sim: Sim;
  git: GitHttpServer;
  repoPath: string;
  databaseUrl: string;
  logs: LogCapture;
  env: Record<string, string>;
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  signUp(email?: string): Promise<{ token: string; userId: string }>;
  /** Polls the store until `until(store)` holds (or throws after timeoutMs with the last state). */
  waitForStore(token: string, id: string, until: (s: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
};

let n = 0;
export async function startPipelineHarness(
  env: Record<string, string> | ((ctx: { repoPath: string; repoUrl: string }) => Promise<Record<string, string>>) = {},
  /** `timings`: FAST_TIMINGS overrides, or a sim profile (`healthy-cluster` for benchmarks). */
  opts: { worker?: boolean; timings?: Partial<typeof FAST_TIMINGS> | TimingProfile } = {},
): Promise<PipelineHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'sp-e2e-'));
  const repoPath = await createBareRepo(dir, 'gitops.git');
  // No auth on this server: the sim, like Argo CD without a repository secret, reads it anonymously.
  // (Token auth of the writer is tested in renderer/.)
  const git = await startGitHttpServer({ projectRoot: dir });
  const repoUrl = git.repoUrl('gitops.git');
  // The repo starts from the template, as `npm start` and a real bootstrap do, before Argo CD looks at it.
  const seed = new GitWriter({ remote: repoUrl, branch: 'main' });
  await seed.init(await loadRepoTemplate({ repoUrl, targetRevision: 'main' }));
  await seed.close();
  const sim = await startSim({
    repoURL: repoUrl,
    repoRevision: 'main',
    sealingKeyBits: 2048,
    pollMs: 500,
    tickMs: 100,
    timings: typeof opts.timings === 'string' ? opts.timings : { ...FAST_TIMINGS, ...opts.timings },
    stateDir: join(dir, 'sim'),
  });
  const db = await createTestDatabase();
  const fullEnv = {
    DATABASE_URL: db.url,
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    CREATE_RATE_LIMIT_PER_MINUTE: '1000',
    SIGNUPS_PER_ADDRESS_PER_HOUR: '100000',
    GITOPS_REPO: repoUrl,
    CLUSTER_KUBECONFIG: sim.kubeconfigPath,
    STATUS_INTERVAL_MS: '300',
    JOB_POLL_INTERVAL_MS: '200',
    JOB_RETRY_DELAY_MS: '200',
    STORE_READY_TIMEOUT_SECONDS: '120',
    // Shared with the worker processes some tests spawn (nothing is generated into the repo's .data).
    JWT_SECRET: randomBytes(48).toString('base64url'),
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DASHBOARD_SECRET: randomBytes(32).toString('base64url'),
    ...(typeof env === 'function' ? await env({ repoPath, repoUrl }) : env),
  };
  const config = loadConfig(fullEnv);
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const knex = createKnex(db.url, config.databasePoolMax);
  await migrateLatest(knex);
  const connections: PipelineConnections = connectPipeline(config, logger);
  if ((await initGitOpsRepo(config, connections.writer)).created) throw new Error('the seeded repo was initialised twice');
  const platform = createPlatform(config, logger, { knex, connections });
  const worker = opts.worker === false ? undefined : createWorker(config, logger, platform.pipeline!.jobs);
  await worker?.start();
  const server: Server = await new Promise((resolve) => {
    const s = platform.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const request: PipelineHarness['request'] = (method, path, o) => requestJson(baseUrl, method, path, o);
  return {
    baseUrl,
    platform,
    config,
    sim,
    git,
    repoPath,
    databaseUrl: db.url,
    logs,
    env: fullEnv,
    request,
    signUp: async (email) => {
      const e = email ?? `e2e${++n}-${process.pid}@example.com`;
      const reg = await request('POST', '/api/v1/auth/register', { body: { email: e, password: 'a long enough password' } });
      const login = await request('POST', '/api/v1/auth/login', { body: { email: e, password: 'a long enough password' } });
      return { token: login.body.accessToken, userId: reg.body.id };
    },
    waitForStore: async (token, id, until, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      let last: ApiResponse | undefined;
      while (Date.now() < deadline) {
        last = await request('GET', `/api/v1/stores/${id}`, { token });
        const seen = last.status === 200 ? last.body : { gone: last.status === 404, status: last.status };
        if (until(seen)) return seen;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`store ${id} did not reach the expected state; last: ${JSON.stringify(last?.body)}`);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
      await worker?.stop();
      await connections.close();
      await knex.destroy();
      await sim.stop();
      await git.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
