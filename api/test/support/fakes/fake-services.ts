import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig, type Config } from '../../../src/config/config.ts';
import { AuditLog } from '../../../src/features/audit/audit-log.ts';
import { StoreService } from '../../../src/features/stores/store-service.ts';
import { StoreSuspensionService } from '../../../src/features/stores/store-suspension-service.ts';
import { PlanChangeService } from '../../../src/features/plans/plan-change-service.ts';
import { UserService } from '../../../src/features/users/user-service.ts';
import { ApiKeyService } from '../../../src/features/api-keys/api-key-service.ts';
import { ProvisionService } from '../../../src/features/provisioning/provision-service.ts';
import { StatusService, type StatusSettings } from '../../../src/features/provisioning/status-service.ts';
import { PipelineMetrics } from '../../../src/features/provisioning/pipeline-metrics.ts';
import { PasswordHasher } from '../../../src/auth/password-hasher.ts';
import { TokenService } from '../../../src/auth/token-service.ts';
import { SecretBox } from '../../../src/crypto/secret-box.ts';
import type { Actor } from '../../../src/auth/actor.ts';
import { FakeStoreRepository } from './fake-store-repository.ts';
import { FakeUserRepository } from './fake-user-repository.ts';
import { FakeApiKeyRepository } from './fake-api-key-repository.ts';
import { FakeAuditRepository } from './fake-audit-repository.ts';
import { FakeJobQueue } from './fake-job-queue.ts';
import { FakeTransactor } from './fake-transactor.ts';
import { FakeCreateRateLimit } from './fake-create-rate-limit.ts';
import { FakeRepoWriter } from './fake-repo-writer.ts';
import { quotaUsed } from '../../../src/features/plans/store-quota.ts';
import { FakeClusterClient } from './fake-cluster-client.ts';
import { FakeDomainRepository } from './fake-domain-repository.ts';
import { FakeTxtResolver } from './fake-txt-resolver.ts';
import { DomainService } from '../../../src/features/domains/domain-service.ts';
import type { DomainEvent } from '../../../src/features/domains/domain-events.ts';

let sealingKey: string | undefined;
/** An RSA public key to seal with (the renderer accepts a key as well as a certificate). */
function sealingPem(): string {
  sealingKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return sealingKey;
}

/**
 * Every service over in-memory fakes (Unleash's createFake*Service): no PostgreSQL, Git or cluster.
 * The fakes are returned too, so a test sets up state and reads what a service did.
 */
export function createFakeServices(
  opts: { env?: Record<string, string>; createsPerMinute?: number; pullRequests?: boolean; status?: Partial<StatusSettings> } = {},
) {
  const config: Config = loadConfig({ DATABASE_URL: 'postgres://unused/unused', NODE_ENV: 'test', BASE_DOMAIN: 'shops.example.net', ...opts.env });
  const logger = pino({ level: 'silent' });
  const jobs = new FakeJobQueue();
  const userRows = new FakeUserRepository();
  const auditRepo = new FakeAuditRepository();
  const domainRows = new FakeDomainRepository();
  const repos = {
    stores: new FakeStoreRepository({ jobs, audit: auditRepo, users: userRows, verifiedDomain: (d) => domainRows.findVerified(d) }),
    users: userRows,
    apiKeys: new FakeApiKeyRepository(),
    audit: auditRepo,
    domains: domainRows,
  };
  const tx = new FakeTransactor();
  const rateLimit = new FakeCreateRateLimit(opts.createsPerMinute);
  const writer = new FakeRepoWriter({ pullRequests: opts.pullRequests });
  const cluster = new FakeClusterClient();
  const secrets = new SecretBox(config.secretsEncryptionKey);
  const audit = new AuditLog(repos.audit, logger);
  const metrics = new PipelineMetrics(new Registry());
  const pullRequestState = new Map<number, { merged: boolean; state: 'open' | 'closed'; mergeCommitSha: string | null }>();
  /** Which commits contain which (by default: only itself). */
  const ancestry = new Map<string, Set<string>>();
  cluster.sealingPem = sealingPem();

  const stores = new StoreService({
    stores: repos.stores,
    users: repos.users,
    jobs,
    audit,
    tx,
    rateLimit,
    config,
  });
  const suspensions = new StoreSuspensionService({ stores: repos.stores, visibility: stores, jobs, audit, tx });
  const users = new UserService({
    users: repos.users,
    hasher: new PasswordHasher(),
    tokens: new TokenService(config.jwt),
    audit,
    config,
    // what the quota counts (QUOTA_MODE): stores, or their plans' units
    countStores: async (id) => quotaUsed(config.quotaMode, config.plans, await repos.stores.plansByOwner(id)),
  });
  const apiKeys = new ApiKeyService(repos.apiKeys, audit);
  const planChanges = new PlanChangeService({ stores: repos.stores, users: repos.users, visibility: stores, jobs, audit, tx, config });
  const provision = new ProvisionService({
    stores: repos.stores,
    tx,
    writer,
    cluster,
    secrets,
    metrics,
    logger,
    settings: {
      rootApplication: 'stores-root',
      pullRequests: opts.pullRequests ?? false,
      plans: config.plans,
      render: { repoUrl: 'https://git.example/gitops.git', targetRevision: 'main', argocdNamespace: 'argocd' },
    },
  });
  const status = new StatusService({
    stores: repos.stores,
    tx,
    cluster,
    metrics,
    audit,
    logger,
    settings: {
      readyTimeoutMs: 15 * 60_000,
      includes: async (commit, revision) => commit === revision || !!ancestry.get(revision)?.has(commit),
      pullRequest: async (n) => pullRequestState.get(n) ?? { merged: false, state: 'open', mergeCommitSha: null },
      ...opts.status,
    },
  });

  /** The domain service's clock, moved by tests (claims expire by it). */
  const clock = { ms: Date.parse('2026-12-01T12:00:00Z') };
  const dns = new FakeTxtResolver();
  const domainEvents: DomainEvent[] = [];
  const domains = new DomainService({
    domains: repos.domains,
    stores: repos.stores,
    jobs,
    tx,
    audit,
    resolver: dns,
    events: { publish: async (_tx, e) => void domainEvents.push(e) },
    cluster,
    settings: { baseDomain: config.baseDomain, reservedNames: config.reservedNames, ...config.domains },
    now: () => new Date(clock.ms),
  });

  const actors = {
    /** A user who exists in the fake user table. */
    async user(email = `u${repos.users.rows.size + 1}@example.com`, role: Actor['role'] = 'user'): Promise<Actor> {
      const u = (await repos.users.insert({ email, password_hash: null, role }))!;
      return { userId: u.id, role, email, ip: '203.0.113.7', requestId: `req-${u.id.slice(0, 8)}` };
    },
  };

  return {
    config,
    repos,
    tx,
    jobs,
    rateLimit,
    writer,
    cluster,
    secrets,
    audit,
    metrics,
    pullRequestState,
    ancestry,
    sealingCertFetches: () => cluster.sealingCertFetches,
    clock,
    dns,
    domainEvents,
    services: { stores, suspensions, users, apiKeys, provision, status, planChanges, domains },
    actors,
  };
}
