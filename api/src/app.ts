import { randomUUID } from 'node:crypto';
import express, { Router, type Express, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from './config/config.ts';
import { createKnex } from './db/create-knex.ts';
import { KnexTransactor, type Transactor } from './db/transactor.ts';
import { ApiRegistry } from './http/api-registry.ts';
import { buildOpenApi } from './http/openapi.ts';
import { renderDocsPage } from './http/docs-page.ts';
import { operationsController, platformInfoController } from './http/operations-controller.ts';
import { errorMiddleware, notFoundHandler } from './errors/error-middleware.ts';
import { Metrics } from './metrics/metrics.ts';
import { PasswordHasher } from './auth/password-hasher.ts';
import { TokenService } from './auth/token-service.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { createAuthenticate, requireOperator } from './features/auth/authenticate.ts';
import { PgAuditRepository, type AuditRepository } from './features/audit/audit-repository.ts';
import { AuditLog } from './features/audit/audit-log.ts';
import { auditController } from './features/audit/audit-controller.ts';
import { PgUserRepository, type UserRepository } from './features/users/user-repository.ts';
import { UserService } from './features/users/user-service.ts';
import { authController, meController } from './features/auth/auth-controller.ts';
import { PgApiKeyRepository, type ApiKeyRepository } from './features/api-keys/api-key-repository.ts';
import { ApiKeyService } from './features/api-keys/api-key-service.ts';
import { apiKeyController } from './features/api-keys/api-key-controller.ts';
import { PgStoreRepository, type StoreRepository } from './features/stores/store-repository.ts';
import { StoreService } from './features/stores/store-service.ts';
import { storeController } from './features/stores/store-controller.ts';
import { StoreSuspensionService } from './features/stores/store-suspension-service.ts';
import { storeSuspensionController } from './features/stores/store-suspension-controller.ts';
import { AgendaJobQueue, type JobQueue } from './jobs/job-queue.ts';
import { PostgresCreateRateLimit, type CreateRateLimit } from './rate-limit/create-rate-limit.ts';
import { LoginThrottle } from './rate-limit/login-throttle.ts';
import { createSignupRateLimiter } from './rate-limit/create-signup-rate-limiter.ts';
import { SessionRepository } from './features/auth/session-repository.ts';
import { SessionService } from './features/auth/session-service.ts';
import { PasswordChangeService } from './features/auth/password-change-service.ts';
import { AuthFailureSampler } from './features/auth/auth-failure-sampler.ts';
import { accountController, sessionController } from './features/auth/session-controller.ts';
import { dashboardHop } from './http/dashboard-hop.ts';
import { apiSecurityHeaders, noStore, redactUrl } from './http/security-headers.ts';
import type { PipelineConnections } from './features/provisioning/connect-pipeline.ts';
import { ProvisionService } from './features/provisioning/provision-service.ts';
import { StatusService } from './features/provisioning/status-service.ts';
import { PipelineMetrics } from './features/provisioning/pipeline-metrics.ts';
import { storeHealthController } from './features/provisioning/store-health-controller.ts';
import { pipelineJobs } from './features/provisioning/pipeline-jobs.ts';
import type { JobDefinition } from './jobs/create-worker.ts';
import { HttpPrometheusClient } from './features/usage/prometheus-client.ts';
import { UsageService } from './features/usage/usage-service.ts';
import { usageController } from './features/usage/usage-controller.ts';
import { PgWebhookRepository, enqueueWebhookEvent, type WebhookRepository } from './features/webhooks/webhook-repository.ts';
import { WebhookOutbox } from './features/webhooks/webhook-outbox.ts';
import { WebhookService } from './features/webhooks/webhook-service.ts';
import { WebhookDispatcher } from './features/webhooks/webhook-dispatcher.ts';
import { WebhookAddressPolicy } from './features/webhooks/webhook-address-policy.ts';
import { httpWebhookSender } from './features/webhooks/webhook-sender.ts';
import { webhookController } from './features/webhooks/webhook-controller.ts';
import { PlanChangeService } from './features/plans/plan-change-service.ts';
import { quotaUsed } from './features/plans/store-quota.ts';
import { planController } from './features/plans/plan-controller.ts';
import { PgDomainRepository, type DomainRepository } from './features/domains/domain-repository.ts';
import { DomainService } from './features/domains/domain-service.ts';
import { domainController } from './features/domains/domain-controller.ts';
import { domainJobs } from './features/domains/domain-jobs.ts';
import { DnsTxtResolver } from './features/domains/txt-resolver.ts';

export const API_PREFIX = '/api/v1';
export const VERSION = '0.1.0';

export type Repositories = {
  stores: StoreRepository;
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  audit: AuditRepository;
  sessions: SessionRepository;
  webhooks: WebhookRepository;
  domains: DomainRepository;
};
export type Services = {
  stores: StoreService;
  suspensions: StoreSuspensionService;
  users: UserService;
  apiKeys: ApiKeyService;
  audit: AuditLog;
  sessions: SessionService;
  passwords: PasswordChangeService;
  webhooks: WebhookService;
  planChanges: PlanChangeService;
  domains: DomainService;
};
export type Pipeline = { provision: ProvisionService; status: StatusService; jobs: JobDefinition[] };

/** Everything one process needs, built once: repositories, then services, then the pipeline, then the HTTP app. */
export type Platform = {
  config: Config;
  knex: Knex;
  logger: Logger;
  app: Express;
  registry: ApiRegistry;
  metrics: Metrics;
  services: Services;
  repositories: Repositories;
  jobs: JobQueue;
  secrets: SecretBox;
  /** The GitOps pipeline, when connected: its services and the job definitions a worker runs. */
  pipeline?: Pipeline;
  /** Sends the webhook outbox; started where the worker role runs. */
  webhookDispatcher: WebhookDispatcher;
  close(): Promise<void>;
};

/** 1. Repositories: the only code that holds knex. */
export function createRepositories(knex: Knex): Repositories {
  return {
    // Every status change and removal raises its webhook event in the same transaction (the outbox).
    stores: new PgStoreRepository(knex, { changes: new WebhookOutbox() }),
    users: new PgUserRepository(knex),
    apiKeys: new PgApiKeyRepository(knex),
    audit: new PgAuditRepository(knex),
    sessions: new SessionRepository(knex),
    webhooks: new PgWebhookRepository(knex),
    domains: new PgDomainRepository(knex),
  };
}

/** 2. Services: rules over repositories, a transaction runner and the job queue. */
export function createServices(
  config: Config,
  logger: Logger,
  repos: Repositories,
  deps: { tx: Transactor; jobs: JobQueue; rateLimit: CreateRateLimit; secrets: SecretBox; cluster?: PipelineConnections['cluster'] },
): Services {
  const audit = new AuditLog(repos.audit, logger);
  const hasher = new PasswordHasher();
  const sessions = new SessionService(repos.sessions, config.session);
  const passwords = new PasswordChangeService({ users: repos.users, hasher, sessions, audit });
  const users = new UserService({
    users: repos.users,
    hasher,
    tokens: new TokenService(config.jwt),
    audit,
    config,
    // what the quota counts (QUOTA_MODE): stores, or their plans' units
    countStores: async (id) => quotaUsed(config.quotaMode, config.plans, await repos.stores.plansByOwner(id)),
  });
  const apiKeys = new ApiKeyService(repos.apiKeys, audit);
  const stores = new StoreService({
    stores: repos.stores,
    users: repos.users,
    jobs: deps.jobs,
    audit,
    tx: deps.tx,
    rateLimit: deps.rateLimit,
    config,
  });
  const suspensions = new StoreSuspensionService({ stores: repos.stores, visibility: stores, jobs: deps.jobs, audit, tx: deps.tx });
  const webhooks = new WebhookService({
    repo: repos.webhooks,
    secrets: deps.secrets,
    policy: new WebhookAddressPolicy({ allowPrivate: config.webhooks.allowPrivateNetworks }),
    audit,
  });
  const planChanges = new PlanChangeService({ stores: repos.stores, users: repos.users, visibility: stores, jobs: deps.jobs, audit, tx: deps.tx, config });
  const domains = new DomainService({
    domains: repos.domains,
    stores: repos.stores,
    jobs: deps.jobs,
    tx: deps.tx,
    audit,
    resolver: new DnsTxtResolver({ servers: config.domains.resolvers }),
    // domain.verified goes to the webhook outbox in the verification's own transaction
    events: { publish: async (tx, e) => void (await enqueueWebhookEvent(tx, e)) },
    cluster: deps.cluster,
    settings: { baseDomain: config.baseDomain, reservedNames: config.reservedNames, ...config.domains },
  });
  return { stores, suspensions, users, apiKeys, audit, sessions, passwords, webhooks, planChanges, domains };
}

/** 3. The GitOps pipeline (when connected to Git and a cluster): provision/delete and status, and their jobs. */
export function createPipeline(
  config: Config,
  logger: Logger,
  deps: { stores: StoreRepository; tx: Transactor; audit: AuditLog; secrets: SecretBox; metrics: Metrics; knex: Knex; conn: PipelineConnections },
): Pipeline {
  const { conn } = deps;
  const pipelineMetrics = new PipelineMetrics(deps.metrics.registry, deps.knex);
  const provision = new ProvisionService({
    stores: deps.stores,
    tx: deps.tx,
    writer: conn.writer,
    cluster: conn.cluster,
    secrets: deps.secrets,
    metrics: pipelineMetrics,
    logger,
    lock: conn.committerLock,
    settings: {
      rootApplication: config.cluster.rootApp,
      pullRequests: config.gitops.mode === 'pull-request',
      plans: config.plans,
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
    stores: deps.stores,
    tx: deps.tx,
    cluster: conn.cluster,
    metrics: pipelineMetrics,
    audit: deps.audit,
    logger,
    settings: {
      readyTimeoutMs: config.pipeline.readyTimeoutMs,
      resyncIntervalMs: config.pipeline.statusResyncIntervalMs,
      includes: conn.includes,
      pullRequest: conn.pullRequest,
    },
  });
  return {
    provision,
    status,
    jobs: pipelineJobs({ provision, status, retryDelayMs: config.pipeline.retryDelayMs, statusIntervalMs: config.pipeline.statusIntervalMs }),
  };
}

/** 4. The HTTP app: logging, metrics, the public routes, authenticate, the API, the dashboard, errors. */
export function createHttpApp(
  config: Config,
  logger: Logger,
  d: {
    knex: Knex;
    repos: Repositories;
    services: Services;
    metrics: Metrics;
    registry: ApiRegistry;
    secrets: SecretBox;
    cluster?: PipelineConnections['cluster'];
    ui?: RequestHandler;
  },
): Express {
  const { services, registry } = d;
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
  app.use(d.metrics.httpMiddleware());
  app.use(apiSecurityHeaders());
  app.use(express.json({ limit: '64kb' }));

  app.use(['/healthz', '/readyz', '/metrics', '/api'], noStore);
  app.use(operationsController({ registry, knex: d.knex, metrics: d.metrics }));
  let doc: Record<string, unknown> | undefined;
  const openapi = () => (doc ??= buildOpenApi(registry, { version: VERSION }));
  const info = platformInfoController({
    registry,
    prefix: API_PREFIX,
    openapi,
    docsPage: () => renderDocsPage(openapi()),
    info: () => ({ version: VERSION, cluster: config.clusterSimulated ? 'simulated' : d.cluster ? 'kubernetes' : 'none', gitopsMode: config.gitops.mode }),
  });
  const publicApi = Router();
  publicApi.use(info.api);
  const loginThrottle = new LoginThrottle(d.knex, {
    perPair: config.loginFailuresPer15Min,
    perAddress: config.loginFailuresPerAddressPer15Min,
    perAccount: config.loginFailuresPerAccountPer15Min,
  });
  publicApi.use(
    authController({
      users: services.users,
      registry,
      prefix: API_PREFIX,
      loginThrottle,
      signupLimiter: createSignupRateLimiter(d.knex, config.signupsPerAddressPerHour),
    }),
  );
  publicApi.use(sessionController({ users: services.users, sessions: services.sessions, throttle: loginThrottle, registry, prefix: API_PREFIX }));
  app.use(API_PREFIX, publicApi);
  app.use('/api', info.docs);

  const authenticate = createAuthenticate({
    config,
    users: d.repos.users,
    apiKeys: services.apiKeys,
    audit: services.audit,
    sessions: services.sessions,
    failures: new AuthFailureSampler(services.audit, d.metrics.registry),
  });
  const operatorOnly = requireOperator(services.audit);
  const api = Router();
  api.use(authenticate);
  api.use(accountController({ sessions: services.sessions, passwords: services.passwords, registry, prefix: API_PREFIX }));
  api.use(meController({ users: services.users, registry, prefix: API_PREFIX, requireOperator: operatorOnly }));
  api.use(apiKeyController({ apiKeys: services.apiKeys, registry, prefix: API_PREFIX }));
  api.use(webhookController({ webhooks: services.webhooks, registry, prefix: API_PREFIX }));
  // Always mounted, retry included: an API-only replica (no GITOPS_REPO) serves every store route.
  api.use(storeController({ stores: services.stores, registry, prefix: API_PREFIX, secrets: d.secrets }));
  api.use(storeSuspensionController({ suspensions: services.suspensions, registry, prefix: API_PREFIX }));
  api.use(planController({ planChanges: services.planChanges, config, registry, prefix: API_PREFIX }));
  api.use(domainController({ domains: services.domains, registry, prefix: API_PREFIX }));
  if (d.cluster) api.use(storeHealthController({ stores: services.stores, cluster: d.cluster, registry, prefix: API_PREFIX }));
  const usage = new UsageService({ prometheus: config.prometheusUrl ? new HttpPrometheusClient(config.prometheusUrl) : undefined });
  api.use(usageController({ stores: services.stores, usage, registry, prefix: API_PREFIX }));
  api.use(auditController({ audit: d.repos.audit, registry, prefix: API_PREFIX, requireOperator: operatorOnly }));
  app.use(API_PREFIX, api);

  // The dashboard (SvelteKit, adapter-node) on the same port: one URL is the whole product.
  if (d.ui) app.use(d.ui);
  app.use(notFoundHandler);
  app.use(errorMiddleware(services.audit));
  return app;
}

/** The composition root: repositories → services → pipeline → HTTP app. */
export function createPlatform(config: Config, logger: Logger, opts: { knex?: Knex; connections?: PipelineConnections; ui?: RequestHandler } = {}): Platform {
  const knex = opts.knex ?? createKnex(config.databaseUrl, config.databasePoolMax);
  const repositories = createRepositories(knex);
  const tx = new KnexTransactor(knex);
  const jobs = new AgendaJobQueue();
  const secrets = new SecretBox(config.secretsEncryptionKey);
  const conn = opts.connections;
  const rateLimit = new PostgresCreateRateLimit(knex, config.createRateLimitPerMinute);
  const services = createServices(config, logger, repositories, { tx, jobs, rateLimit, secrets, cluster: conn?.cluster });
  const metrics = new Metrics(() => repositories.stores.countByStatus());
  const webhookDispatcher = new WebhookDispatcher({
    repo: repositories.webhooks,
    secrets,
    policy: new WebhookAddressPolicy({ allowPrivate: config.webhooks.allowPrivateNetworks }),
    send: httpWebhookSender,
    settings: { ...config.webhooks, batchSize: 10 },
    logger,
    registry: metrics.registry,
  });
  const core = conn ? createPipeline(config, logger, { stores: repositories.stores, tx, audit: services.audit, secrets, metrics, knex, conn }) : undefined;
  // The worker runs the domain checks too (they need no Git or cluster, only the database and DNS).
  const pipeline = core && { ...core, jobs: [...core.jobs, ...domainJobs({ domains: services.domains, retryDelayMs: config.pipeline.retryDelayMs })] };
  const registry = new ApiRegistry();
  const app = createHttpApp(config, logger, { knex, repos: repositories, services, metrics, registry, secrets, cluster: conn?.cluster, ui: opts.ui });
  return {
    config,
    knex,
    logger,
    app,
    registry,
    metrics,
    services,
    repositories,
    jobs,
    secrets,
    pipeline,
    webhookDispatcher,
    close: async () => {
      if (!opts.knex) await knex.destroy();
    },
  };
}
