import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadPlanCatalog, PlansFileError, type PlanCatalog } from '../features/plans/plan-catalog.ts';

/** The plans shipped with the platform (api/plans.yaml), used unless PLANS_FILE names another file. */
export const SHIPPED_PLANS_FILE = fileURLToPath(new URL('../../plans.yaml', import.meta.url));

/** Parses a comma-separated list. */
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
/** A DNS server for node:dns setServers: IPv4[:port] or [IPv6]:port or a bare IPv6 address. */
const DNS_SERVER = /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:.]+\](:\d{1,5})?|[0-9a-fA-F]*:[0-9a-fA-F:.]+)$/;
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Every environment variable the platform reads, with its default. Parsed once at start-up by
 * `loadConfig`; a bad value stops the process with a message naming the variable. Documented in the README.
 */
const EnvSchema = z.object({
  /** HTTP port of the API (and the dashboard). */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to bind. */
  HOST: z.string().default('0.0.0.0'),
  /** PostgreSQL connection string. `npm start` finds or starts one when unset. */
  DATABASE_URL: z.string().url(),
  /** Max connections in this process's pool. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Which roles this process runs: `api`, `worker`, or both. */
  ROLES: list.pipe(z.array(z.enum(['api', 'worker'])).min(1)).default(['api', 'worker']),
  /** Base domain: a store's domain defaults to `<name>.<BASE_DOMAIN>`. */
  BASE_DOMAIN: z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case DNS name')
    .default('stores.localhost.localdomain'),
  /** HS256 secret for the platform's own JWTs (at least 32 characters). Required in production; elsewhere `npm start` generates one in DATA_DIR/secrets. */
  JWT_SECRET: z.string().min(32).optional(),
  /** `iss` written into and required from JWTs. */
  JWT_ISSUER: z.string().default('store-platform'),
  /** `aud` written into and required from JWTs. */
  JWT_AUDIENCE: z.string().default('store-platform-api'),
  /** Lifetime of issued access tokens, seconds. */
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
  /** Instead of HS256: verify tokens of an external identity provider against this JWKS URL. */
  JWT_JWKS_URL: z.string().url().optional(),
  /** Algorithms accepted with JWT_JWKS_URL. */
  JWT_JWKS_ALGORITHMS: list.pipe(z.array(z.enum(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256']))).default(['RS256']),
  /** Accepted store creates per user per minute, shared by all replicas. */
  CREATE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(1),
  /** Failed sign-ins allowed per e-mail and source address in 15 minutes (then 429). */
  LOGIN_FAILURES_PER_15_MIN: z.coerce.number().int().min(1).max(10000).default(10),
  /** Failed sign-ins allowed per source address across all e-mails in 15 minutes (password spraying; then 429 for that address). */
  LOGIN_FAILURES_PER_ADDRESS_PER_15_MIN: z.coerce.number().int().min(1).max(100000).default(30),
  /** Failed sign-ins allowed per account across all addresses in 15 minutes; past it, only addresses the account signed in from before may try (then 429). */
  LOGIN_FAILURES_PER_ACCOUNT_PER_15_MIN: z.coerce.number().int().min(1).max(100000).default(20),
  /** Sign-up attempts allowed per source address per hour (then 429). */
  SIGNUPS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).max(100000).default(10),
  /** Dashboard sessions end after this many minutes without a request. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(10080).default(30),
  /** …and this many hours after sign-in, whatever the activity. */
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(720).default(12),
  /** Shared secret of the dashboard's server: only a request carrying it may present a dashboard session or forward the browser's address. Required in production when the dashboard runs apart from the API; elsewhere generated in DATA_DIR/secrets. */
  DASHBOARD_SECRET: z.string().min(32).optional(),
  /** Names no store may take and no domain may start with (comma-separated; added to the built-in list). */
  RESERVED_NAMES: list.default([]),
  /** Stores per user unless an operator sets an override. */
  DEFAULT_STORE_QUOTA: z.coerce.number().int().min(0).max(10000).default(5),
  /** Operator's plans file (YAML: plan sizes, units, storage class); default the shipped api/plans.yaml. Validated at start-up. */
  PLANS_FILE: z.string().min(1).optional(),
  /** Plan of a store created without one (must be in the plans file). */
  DEFAULT_PLAN: z.string().default('small'),
  /** What the per-user quota counts: `stores` (each store is 1) or `units` (each store counts its plan's units). */
  QUOTA_MODE: z.enum(['stores', 'units']).default('stores'),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Concurrent jobs per worker process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  /** How often a worker polls for due jobs, milliseconds (NOTIFY wakes it sooner). */
  JOB_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(60000).default(2000),
  /** A running job's lock lasts this long and is renewed every third of it while the job runs; a dead worker's job is started again once its lock lapses. */
  JOB_LOCK_LIFETIME_MS: z.coerce.number().int().min(1000).default(10_000),
  /** Trust X-Forwarded-For from this many proxies (for source IPs in audit events). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Data folder: outside production, secrets left unset are generated once into `<DATA_DIR>/secrets` (mode 0600) by main.ts. Default `.data` at the repository root. */
  DATA_DIR: z.string().min(1).optional(),
  /** Set in production: refuses to start without JWT_SECRET (or JWT_JWKS_URL). */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Operator e-mails: users registering with these addresses get the `operator` role. */
  OPERATOR_EMAILS: list.default([]),
  /** 32 bytes, base64: AES-256-GCM key for secrets kept at rest (store admin passwords). Required in production; elsewhere `npm start` generates one in DATA_DIR/secrets. */
  SECRETS_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, '32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)')
    .optional(),
  /** The GitOps repo the platform commits to: an https:// URL, a file:// URL or a local path of a bare repo. Required for the worker role. */
  GITOPS_REPO: z.string().min(1).optional(),
  /** The repo URL as Argo CD reaches it (rendered into Applications); defaults to GITOPS_REPO. */
  GITOPS_REPO_URL: z.string().min(1).optional(),
  /** Branch the platform commits to and Argo CD follows. */
  GITOPS_BRANCH: z
    .string()
    .regex(/^[\w./-]+$/)
    .default('main'),
  /** Token for an HTTPS GitOps repo (sent as basic auth with GITOPS_USERNAME; never logged). */
  GITOPS_TOKEN: z.string().min(1).optional(),
  /** User name for GITOPS_TOKEN. */
  GITOPS_USERNAME: z.string().default('x-access-token'),
  /** `push` commits to GITOPS_BRANCH; `pull-request` opens a pull request per change (GitHub API). */
  GITOPS_MODE: z.enum(['push', 'pull-request']).default('push'),
  /** Pull-request mode: `owner/name` of the repository on GitHub. */
  GITHUB_REPOSITORY: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/)
    .optional(),
  /** Pull-request mode: API token. */
  GITHUB_TOKEN: z.string().min(1).optional(),
  /** Pull-request mode: REST API root (GitHub Enterprise: https://host/api/v3). */
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  /** kubeconfig of the cluster (read-only access to Applications, namespaces, pods); default: the standard lookup (KUBECONFIG, ~/.kube/config, in-cluster). */
  CLUSTER_KUBECONFIG: z.string().min(1).optional(),
  /** Namespace Argo CD watches for Applications. */
  ARGOCD_NAMESPACE: z.string().default('argocd'),
  /** Name of the root app-of-apps, refreshed after every commit. */
  ARGOCD_ROOT_APP: z.string().default('stores-root'),
  /** Sealed Secrets controller certificate file (`kubeseal --fetch-cert > cert.pem`); unset: fetched from the cluster. */
  SEALED_SECRETS_CERT_FILE: z.string().min(1).optional(),
  /** Sealed Secrets controller Service name and namespace (for fetching its certificate). */
  SEALED_SECRETS_CONTROLLER: z.string().default('sealed-secrets-controller'),
  SEALED_SECRETS_NAMESPACE: z.string().default('kube-system'),
  /** A store not Ready this long after its commit is marked Error. */
  STORE_READY_TIMEOUT_SECONDS: z.coerce.number().int().min(10).default(900),
  /** How often the status job polls Argo CD. */
  STATUS_INTERVAL_MS: z.coerce.number().int().min(200).default(5000),
  /** How often a status cycle is a full pass over every store (between them it looks only at what changed). */
  STATUS_RESYNC_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
  /** First retry delay of a failed provision/delete step (then ×4: 3 s, 12 s, 48 s by default). */
  JOB_RETRY_DELAY_MS: z.coerce.number().int().min(10).default(3000),
  /** cert-manager ClusterIssuer and IngressClass rendered into each store (chart defaults when unset). */
  CLUSTER_ISSUER: z.string().optional(),
  INGRESS_CLASS: z.string().optional(),
  /** Set by `npm start` when the cluster is the sim: shown at GET /api/v1/platform (and in the dashboard). */
  CLUSTER_SIMULATED: bool.default(false),
  /** Allow self-service sign-up at POST /api/v1/auth/register. */
  ALLOW_REGISTRATION: bool.default(true),
  /** Prometheus that scrapes kube-state-metrics and the kubelets (e.g. http://prometheus-operated.monitoring:9090): stores' usage in the dashboard. Unset: usage answers `monitoring: not_configured`. */
  PROMETHEUS_URL: z.string().url().optional(),
  /** Let webhooks reach loopback, private, link-local, CGNAT and other non-public addresses (an operator's choice; SSRF guard off). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  /** Deadline of one webhook delivery attempt, milliseconds. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** First retry of a failed delivery after this (then doubled each time), milliseconds. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).default(10_000),
  /** Cap of the wait between retries, milliseconds. */
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).default(3_600_000),
  /** A delivery is given up (failed) after this many attempts… */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(15),
  /** …or once its event is this many hours old. */
  WEBHOOK_MAX_AGE_HOURS: z.coerce.number().min(0).max(720).default(72),
  /** Finished webhook deliveries stay in the delivery log this many days. */
  WEBHOOK_LOG_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(30),
  /** How often an idle worker looks for due webhook deliveries, milliseconds. */
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** DNS servers that check custom-domain TXT records: comma-separated IP[:port] (IPv6 as [addr]:port). Unset: the system's resolvers. */
  DNS_RESOLVERS: list.pipe(z.array(z.string().regex(DNS_SERVER, 'each DNS resolver is an IP address with an optional :port'))).default([]),
  /** How long a custom-domain claim stays pending before it expires (default 72 h). */
  DOMAIN_VERIFICATION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(72 * 3_600_000),
  /** First interval between checks of a pending domain; it doubles after each check. */
  DOMAIN_CHECK_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** The longest interval between checks of a pending domain (the doubling stops here). */
  DOMAIN_CHECK_MAX_INTERVAL_MS: z.coerce.number().int().min(100).default(3_600_000),
});

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string;
  databasePoolMax: number;
  roles: ReadonlyArray<'api' | 'worker'>;
  baseDomain: string;
  jwt: Readonly<{
    secret: string;
    issuer: string;
    audience: string;
    ttlSeconds: number;
    jwksUrl?: string;
    jwksAlgorithms: readonly string[];
  }>;
  createRateLimitPerMinute: number;
  loginFailuresPer15Min: number;
  loginFailuresPerAddressPer15Min: number;
  loginFailuresPerAccountPer15Min: number;
  signupsPerAddressPerHour: number;
  session: Readonly<{ idleMs: number; maxMs: number }>;
  /** Shared secret of the dashboard's server (see DASHBOARD_SECRET). */
  dashboardSecret: string;
  /** Store names and first domain labels no tenant may take. */
  reservedNames: readonly string[];
  defaultStoreQuota: number;
  /** The plans a store can have (PLANS_FILE). */
  plans: PlanCatalog;
  /** What the per-user quota counts. */
  quotaMode: 'stores' | 'units';
  logLevel: string;
  workerConcurrency: number;
  jobPollIntervalMs: number;
  jobLockLifetimeMs: number;
  trustProxyHops: number;
  nodeEnv: 'development' | 'production' | 'test';
  operatorEmails: readonly string[];
  allowRegistration: boolean;
  secretsEncryptionKey: Buffer;
  gitops: Readonly<{
    repo?: string;
    repoUrl?: string;
    branch: string;
    token?: string;
    username: string;
    mode: 'push' | 'pull-request';
    github?: Readonly<{ owner: string; repo: string; token: string; baseUrl: string }>;
  }>;
  cluster: Readonly<{
    kubeconfig?: string;
    argocdNamespace: string;
    rootApp: string;
    sealedSecretsCertFile?: string;
    sealedSecretsController: string;
    sealedSecretsNamespace: string;
  }>;
  clusterSimulated: boolean;
  pipeline: Readonly<{
    readyTimeoutMs: number;
    statusIntervalMs: number;
    statusResyncIntervalMs: number;
    retryDelayMs: number;
    clusterIssuer?: string;
    ingressClass?: string;
  }>;
  /** Prometheus base URL for stores' usage; undefined when monitoring is not set up. */
  prometheusUrl?: string;
  webhooks: Readonly<{
    allowPrivateNetworks: boolean;
    timeoutMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    maxAttempts: number;
    maxAgeMs: number;
    pollIntervalMs: number;
    logRetentionMs: number;
  }>;
  /** Custom-domain verification: resolvers (empty: the system's), claim lifetime, check back-off. */
  domains: Readonly<{ resolvers: readonly string[]; verificationTimeoutMs: number; checkIntervalMs: number; maxCheckIntervalMs: number }>;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Names of the platform's own hosts and of common services: never a tenant's store name or domain. */
export const BUILT_IN_RESERVED_NAMES = Object.freeze([
  'api',
  'www',
  'admin',
  'dashboard',
  'app',
  'mail',
  'smtp',
  'imap',
  'pop',
  'mx',
  'ftp',
  'ns1',
  'ns2',
  'argocd',
  'grafana',
  'prometheus',
  'alertmanager',
  'loki',
  'status',
  'auth',
  'login',
  'sso',
  'id',
  'static',
  'cdn',
  'assets',
  'docs',
  'help',
  'support',
  'billing',
  'root',
  'platform',
  'kubernetes',
  'registry',
  'git',
]);

/** Reads and validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET && !e.JWT_JWKS_URL) {
    throw new ConfigError('invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production');
  }
  if (e.GITOPS_MODE === 'pull-request' && (!e.GITHUB_REPOSITORY || !e.GITHUB_TOKEN)) {
    throw new ConfigError('invalid configuration:\n  GITHUB_REPOSITORY, GITHUB_TOKEN: required when GITOPS_MODE=pull-request');
  }
  if (e.NODE_ENV === 'production' && !e.SECRETS_ENCRYPTION_KEY) {
    throw new ConfigError('invalid configuration:\n  SECRETS_ENCRYPTION_KEY: required when NODE_ENV=production');
  }
  let plans: PlanCatalog;
  try {
    plans = loadPlanCatalog(e.PLANS_FILE ?? SHIPPED_PLANS_FILE, e.DEFAULT_PLAN);
  } catch (err) {
    if (err instanceof PlansFileError) throw new ConfigError(`invalid configuration:\n  PLANS_FILE: ${err.message}`);
    throw err;
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    roles: Object.freeze([...new Set(e.ROLES)]),
    baseDomain: e.BASE_DOMAIN,
    jwt: Object.freeze({
      secret: e.JWT_SECRET ?? randomBytes(48).toString('base64url'),
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      ttlSeconds: e.JWT_TTL_SECONDS,
      jwksUrl: e.JWT_JWKS_URL,
      jwksAlgorithms: Object.freeze([...e.JWT_JWKS_ALGORITHMS]),
    }),
    createRateLimitPerMinute: e.CREATE_RATE_LIMIT_PER_MINUTE,
    loginFailuresPer15Min: e.LOGIN_FAILURES_PER_15_MIN,
    loginFailuresPerAddressPer15Min: e.LOGIN_FAILURES_PER_ADDRESS_PER_15_MIN,
    loginFailuresPerAccountPer15Min: e.LOGIN_FAILURES_PER_ACCOUNT_PER_15_MIN,
    signupsPerAddressPerHour: e.SIGNUPS_PER_ADDRESS_PER_HOUR,
    session: Object.freeze({ idleMs: e.SESSION_IDLE_MINUTES * 60_000, maxMs: e.SESSION_MAX_HOURS * 3_600_000 }),
    // Unset outside production (tests, a bare `node api/src/main.ts`): random for this process only —
    // never a constant of the source. `npm start` keeps generated ones in DATA_DIR/secrets (local-secrets.ts).
    dashboardSecret: e.DASHBOARD_SECRET ?? randomBytes(32).toString('base64url'),
    reservedNames: Object.freeze([...new Set([...BUILT_IN_RESERVED_NAMES, ...e.RESERVED_NAMES.map((x) => x.toLowerCase())])]),
    defaultStoreQuota: e.DEFAULT_STORE_QUOTA,
    plans,
    quotaMode: e.QUOTA_MODE,
    logLevel: e.LOG_LEVEL,
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobPollIntervalMs: e.JOB_POLL_INTERVAL_MS,
    jobLockLifetimeMs: e.JOB_LOCK_LIFETIME_MS,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    nodeEnv: e.NODE_ENV,
    operatorEmails: Object.freeze(e.OPERATOR_EMAILS.map((x) => x.toLowerCase())),
    allowRegistration: e.ALLOW_REGISTRATION,
    secretsEncryptionKey: e.SECRETS_ENCRYPTION_KEY ? Buffer.from(e.SECRETS_ENCRYPTION_KEY, 'base64') : randomBytes(32),
    gitops: Object.freeze({
      repo: e.GITOPS_REPO,
      repoUrl: e.GITOPS_REPO_URL ?? e.GITOPS_REPO,
      branch: e.GITOPS_BRANCH,
      token: e.GITOPS_TOKEN,
      username: e.GITOPS_USERNAME,
      mode: e.GITOPS_MODE,
      github:
        e.GITHUB_REPOSITORY && e.GITHUB_TOKEN
          ? Object.freeze({
              owner: e.GITHUB_REPOSITORY.split('/')[0]!,
              repo: e.GITHUB_REPOSITORY.split('/')[1]!,
              token: e.GITHUB_TOKEN,
              baseUrl: e.GITHUB_API_URL,
            })
          : undefined,
    }),
    cluster: Object.freeze({
      kubeconfig: e.CLUSTER_KUBECONFIG,
      argocdNamespace: e.ARGOCD_NAMESPACE,
      rootApp: e.ARGOCD_ROOT_APP,
      sealedSecretsCertFile: e.SEALED_SECRETS_CERT_FILE,
      sealedSecretsController: e.SEALED_SECRETS_CONTROLLER,
      sealedSecretsNamespace: e.SEALED_SECRETS_NAMESPACE,
    }),
    clusterSimulated: e.CLUSTER_SIMULATED,
    pipeline: Object.freeze({
      readyTimeoutMs: e.STORE_READY_TIMEOUT_SECONDS * 1000,
      statusIntervalMs: e.STATUS_INTERVAL_MS,
      statusResyncIntervalMs: e.STATUS_RESYNC_INTERVAL_MS,
      retryDelayMs: e.JOB_RETRY_DELAY_MS,
      clusterIssuer: e.CLUSTER_ISSUER,
      ingressClass: e.INGRESS_CLASS,
    }),
    prometheusUrl: e.PROMETHEUS_URL,
    webhooks: Object.freeze({
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      maxAgeMs: e.WEBHOOK_MAX_AGE_HOURS * 3_600_000,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
      logRetentionMs: e.WEBHOOK_LOG_RETENTION_DAYS * 86_400_000,
    }),
    domains: Object.freeze({
      resolvers: Object.freeze([...e.DNS_RESOLVERS]),
      verificationTimeoutMs: e.DOMAIN_VERIFICATION_TIMEOUT_MS,
      checkIntervalMs: e.DOMAIN_CHECK_INTERVAL_MS,
      maxCheckIntervalMs: Math.max(e.DOMAIN_CHECK_MAX_INTERVAL_MS, e.DOMAIN_CHECK_INTERVAL_MS),
    }),
  });
}
