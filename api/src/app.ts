import { randomUUID } from 'node:crypto';
import express, { Router, type Express, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import type { Config } from './config/config.ts';
import { createKnex } from './db/create-knex.ts';
import { migrationsApplied } from './db/migrate.ts';
import { ApiRegistry } from './http/api-registry.ts';
import { buildOpenApi } from './http/openapi.ts';
import { renderDocsPage } from './http/docs-page.ts';
import { errorMiddleware, notFoundHandler } from './errors/error-middleware.ts';
import { ServiceUnavailableError } from './errors/app-error.ts';
import { Metrics } from './metrics/metrics.ts';
import { PasswordHasher } from './auth/password-hasher.ts';
import { TokenService } from './auth/token-service.ts';
import { SecretBox } from './auth/secret-box.ts';
import { createAuthenticate, requireOperator } from './auth/authenticate.ts';
import { AuditRepository } from './features/audit/audit-repository.ts';
import { AuditLog } from './features/audit/audit-log.ts';
import { auditController } from './features/audit/audit-controller.ts';
import { UserRepository } from './features/users/user-repository.ts';
import { UserService } from './features/users/user-service.ts';
import { authController, meController } from './features/auth/auth-controller.ts';
import { ApiKeyRepository } from './features/api-keys/api-key-repository.ts';
import { ApiKeyService } from './features/api-keys/api-key-service.ts';
import { apiKeyController } from './features/api-keys/api-key-controller.ts';
import { StoreRepository } from './features/stores/store-repository.ts';
import { StoreService } from './features/stores/store-service.ts';
import { storeController } from './features/stores/store-controller.ts';
import { JobQueue } from './jobs/job-queue.ts';
import { createStoreRateLimiter } from './rate-limit/create-store-rate-limiter.ts';
import { LoginThrottle } from './rate-limit/login-throttle.ts';
import { createSignupRateLimiter } from './rate-limit/create-signup-rate-limiter.ts';
import { SessionRepository } from './features/auth/session-repository.ts';
import { SessionService } from './features/auth/session-service.ts';
import { PasswordChangeService } from './features/auth/password-change-service.ts';
import { AuthFailureSampler } from './features/auth/auth-failure-sampler.ts';
import { accountController, sessionController } from './features/auth/session-controller.ts';
import { dashboardHop } from './http/dashboard-hop.ts';
import { apiSecurityHeaders, docsPageCsp, noStore, redactUrl } from './http/security-headers.ts';
import type { PipelineConnections } from './features/provisioning/connect-pipeline.ts';
import { ProvisionService } from './features/provisioning/provision-service.ts';
import { StatusService } from './features/provisioning/status-service.ts';
import { PipelineMetrics } from './features/provisioning/pipeline-metrics.ts';
import { storeHealthController } from './features/provisioning/store-health-controller.ts';
import { pipelineJobs } from './jobs/pipeline-jobs.ts';
import type { JobDefinition } from './jobs/create-worker.ts';
import { HttpPrometheusClient } from './features/usage/prometheus-client.ts';
import { UsageService } from './features/usage/usage-service.ts';
import { usageController } from './features/usage/usage-controller.ts';

export const API_PREFIX = '/api/v1';
export const VERSION = '0.1.0';

/** Everything one process needs, built once: repositories, then services, then the HTTP app. */
export type Platform = {
  config: Config;
  knex: Knex;
  logger: Logger;
  app: Express;
  registry: ApiRegistry;
  metrics: Metrics;
  services: { stores: StoreService; users: UserService; apiKeys: ApiKeyService; audit: AuditLog };
  repositories: { stores: StoreRepository; users: UserRepository };
  jobs: JobQueue;
  secrets: SecretBox;
  /** The GitOps pipeline, when connected: its services and the job definitions a worker runs. */
  pipeline?: { provision: ProvisionService; status: StatusService; jobs: JobDefinition[] };
  close(): Promise<void>;
};

/** The composition root. */
export function createPlatform(config: Config, logger: Logger, opts: { knex?: Knex; connections?: PipelineConnections; ui?: RequestHandler } = {}): Platform {
  const knex = opts.knex ?? createKnex(config.databaseUrl, config.databasePoolMax);

  // repositories
  const userRepo = new UserRepository(knex);
  const apiKeyRepo = new ApiKeyRepository(knex);
  const storeRepo = new StoreRepository(knex);
  const auditRepo = new AuditRepository(knex);

  // services
  const audit = new AuditLog(auditRepo, logger);
  const jobs = new JobQueue();
  const secrets = new SecretBox(config.secretsEncryptionKey);
  const hasher = new PasswordHasher();
  const sessions = new SessionService(new SessionRepository(knex), config.session);
  const passwords = new PasswordChangeService({ users: userRepo, hasher, sessions, audit });
  const users = new UserService({ users: userRepo, hasher, tokens: new TokenService(config.jwt), audit, config, countStores: (id) => storeRepo.countByOwner(id) });
  const apiKeys = new ApiKeyService(apiKeyRepo, audit);
  const stores = new StoreService({ stores: storeRepo, users: userRepo, jobs, audit, config });
  const metrics = new Metrics(() => storeRepo.countByStatus());
  const registry = new ApiRegistry();

  // the GitOps pipeline (when connected to Git and a cluster)
  const conn = opts.connections;
  let pipeline: Platform['pipeline'];
  if (conn) {
    const pipelineMetrics = new PipelineMetrics(metrics.registry, knex);
    const provision = new ProvisionService({
      stores: storeRepo,
      writer: conn.writer,
      cluster: conn.cluster,
      sealingCert: conn.sealingCert,
      secrets,
      metrics: pipelineMetrics,
      logger,
      settings: {
        rootApplication: config.cluster.rootApp,
        pullRequests: config.gitops.mode === 'pull-request',
        render: {
          repoUrl: config.gitops.repoUrl!,
          targetRevision: config.gitops.branch,
          argocdNamespace: config.cluster.argocdNamespace,
          ...(config.pipeline.clusterIssuer ? { clusterIssuer: config.pipeline.clusterIssuer } : {}),
          ...(config.pipeline.ingressClass ? { ingressClassName: config.pipeline.ingressClass } : {}),
        },
      },
    });
    const status = new StatusService({
      stores: storeRepo,
      cluster: conn.cluster,
      metrics: pipelineMetrics,
      audit,
      logger,
      settings: { readyTimeoutMs: config.pipeline.readyTimeoutMs, includes: conn.includes, pullRequest: conn.pullRequest },
    });
    pipeline = { provision, status, jobs: pipelineJobs({ provision, status, retryDelayMs: config.pipeline.retryDelayMs, statusIntervalMs: config.pipeline.statusIntervalMs }) };
  }

  // HTTP
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxyHops);
  app.use(dashboardHop(config.dashboardSecret));
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customProps: (req) => ({ userId: (req as express.Request).auth?.userId, storeId: (req as express.Request).params?.id }),
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: { req: (r: { id: unknown; method: string; url: string }) => ({ id: r.id, method: r.method, url: redactUrl(r.url) }) },
    }),
  );
  app.use(metrics.httpMiddleware());
  app.use(apiSecurityHeaders());
  app.use(express.json({ limit: '64kb' }));

  const ops = Router();
  const Health = z.object({ status: z.string(), checks: z.record(z.string(), z.string()).optional() });
  registry.route(ops, '', { method: 'get', path: '/healthz', summary: 'Liveness: the process answers', tag: 'operations', auth: false, responses: { 200: { description: 'Alive', schema: Health } } }, (_req, res) => {
    res.json({ status: 'ok' });
  });
  registry.route(ops, '', { method: 'get', path: '/readyz', summary: 'Readiness: database reachable and migrations applied', tag: 'operations', auth: false, responses: { 200: { description: 'Ready', schema: Health }, 503: { description: 'Not ready' } } }, async (_req, res) => {
    try {
      await knex.raw('SELECT 1');
    } catch {
      throw new ServiceUnavailableError('The database is unreachable.');
    }
    if (!(await migrationsApplied(knex))) throw new ServiceUnavailableError('Database migrations are not applied yet.');
    res.json({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });
  registry.route(ops, '', { method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag: 'operations', auth: false, responses: { 200: { description: 'Prometheus text format' } } }, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(['/healthz', '/readyz', '/metrics', '/api'], noStore);
  app.use(ops);

  const publicApi = Router();
  registry.route(publicApi, API_PREFIX, { method: 'get', path: '/openapi.json', summary: 'This API’s OpenAPI 3.1 document', tag: 'operations', auth: false, responses: { 200: { description: 'OpenAPI document' } } }, (_req, res) => {
    res.json(openapi());
  });
  const PlatformInfo = z.object({ version: z.string(), cluster: z.enum(['simulated', 'kubernetes', 'none']), gitopsMode: z.enum(['push', 'pull-request']) });
  registry.route(publicApi, API_PREFIX, { method: 'get', path: '/platform', summary: 'What this platform runs on (e.g. a simulated cluster)', tag: 'operations', auth: false, responses: { 200: { description: 'Platform facts', schema: PlatformInfo } } }, (_req, res) => {
    res.json({ version: VERSION, cluster: config.clusterSimulated ? 'simulated' : conn ? 'kubernetes' : 'none', gitopsMode: config.gitops.mode });
  });
  const loginThrottle = new LoginThrottle(knex, { perPair: config.loginFailuresPer15Min, perAddress: config.loginFailuresPerAddressPer15Min, perAccount: config.loginFailuresPerAccountPer15Min });
  publicApi.use(authController({ users, registry, prefix: API_PREFIX, loginThrottle, signupLimiter: createSignupRateLimiter(knex, config.signupsPerAddressPerHour) }));
  publicApi.use(sessionController({ users, sessions, throttle: loginThrottle, registry, prefix: API_PREFIX }));
  app.use(API_PREFIX, publicApi);
  const docs = Router();
  registry.route(docs, '/api', { method: 'get', path: '/docs', summary: 'Rendered API reference', tag: 'operations', auth: false, responses: { 200: { description: 'HTML page' } } }, (_req, res) => {
    const html = renderDocsPage(openapi());
    res.setHeader('Content-Security-Policy', docsPageCsp(html));
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  app.use('/api', docs);

  const authenticate = createAuthenticate({ config, users: userRepo, apiKeys, audit, sessions, failures: new AuthFailureSampler(audit, metrics.registry) });
  const operatorOnly = requireOperator(audit);
  const api = Router();
  api.use(authenticate);
  api.use(accountController({ sessions, passwords, registry, prefix: API_PREFIX }));
  api.use(meController({ users, registry, prefix: API_PREFIX, requireOperator: operatorOnly }));
  api.use(apiKeyController({ apiKeys, registry, prefix: API_PREFIX }));
  api.use(storeController({ stores, registry, prefix: API_PREFIX, secrets, rateLimiter: createStoreRateLimiter(knex, config.createRateLimitPerMinute) }));
  if (conn) api.use(storeHealthController({ stores, cluster: conn.cluster, registry, prefix: API_PREFIX }));
  const usage = new UsageService({ prometheus: config.prometheusUrl ? new HttpPrometheusClient(config.prometheusUrl) : undefined });
  api.use(usageController({ stores, usage, registry, prefix: API_PREFIX }));
  api.use(auditController({ audit: auditRepo, registry, prefix: API_PREFIX, requireOperator: operatorOnly }));
  app.use(API_PREFIX, api);

  // The dashboard (SvelteKit, adapter-node) on the same port: one URL is the whole product.
  if (opts.ui) app.use(opts.ui);
  app.use(notFoundHandler);
  app.use(errorMiddleware(audit));

  let doc: Record<string, unknown> | undefined;
  const openapi = () => (doc ??= buildOpenApi(registry, { version: VERSION }));

  return {
    config,
    knex,
    logger,
    app,
    registry,
    metrics,
    services: { stores, users, apiKeys, audit },
    repositories: { stores: storeRepo, users: userRepo },
    jobs,
    secrets,
    pipeline,
    close: async () => {
      if (!opts.knex) await knex.destroy();
    },
  };
}
