/**
 * Runs the sim as a process (the embedded cluster of `npm start`): `node sim/src/main.ts`.
 * Configuration from environment variables, documented with their defaults in sim/README.md.
 * Logs (JSON, pino) say on every line that the cluster is simulated.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { startSim } from './sim.ts';
import { REPO_ROOT } from './render-manifests.ts';

const intMs = (def: number) => z.coerce.number().int().nonnegative().default(def);

/** Environment of the sim process; every variable optional. */
export const simEnvSchema = z.object({
  /** GitOps repo URL (path, file:// or http(s)); no root app is bootstrapped without it. */
  SIM_REPO_URL: z.string().min(1).optional(),
  /** Revision the root app and the AppProjects are read at. */
  SIM_REPO_REVISION: z.string().min(1).default('HEAD'),
  /** Root app-of-apps path in the repo. */
  SIM_ROOT_APP_PATH: z.string().min(1).default('apps/root.yaml'),
  /** Directory of AppProject manifests in the repo. */
  SIM_PROJECTS_PATH: z.string().min(1).default('projects'),
  /** Argo CD namespace. */
  SIM_ARGOCD_NAMESPACE: z.string().min(1).default('argocd'),
  /** API server listen address and port. */
  SIM_HOST: z.string().min(1).default('127.0.0.1'),
  SIM_PORT: z.coerce.number().int().min(0).max(65535).default(6550),
  /** State directory: state.json (cluster + sealing keys), token, TLS key/cert, kubeconfig, git cache. */
  SIM_STATE_DIR: z.string().min(1).default(join(REPO_ROOT, '.data', 'sim')),
  /** Where the kubeconfig is written (default <state dir>/kubeconfig). */
  SIM_KUBECONFIG: z.string().min(1).optional(),
  /** Bearer token (default: random, kept in <state dir>/token). */
  SIM_TOKEN: z.string().min(16).optional(),
  SIM_POLL_MS: intMs(5000),
  SIM_TICK_MS: intMs(250),
  SIM_POD_START_MS: intMs(2000),
  SIM_POD_READY_MS: intMs(3000),
  SIM_JOB_COMPLETE_MS: intMs(3000),
  SIM_PVC_BIND_MS: intMs(500),
  SIM_INGRESS_ADDRESS_MS: intMs(1000),
  SIM_CERTIFICATE_READY_MS: intMs(2000),
  SIM_NAMESPACE_TERMINATION_MS: intMs(2000),
  /** Scales durations written in specs (progressDeadlineSeconds, retry back-off): 0.1 = ten times faster. */
  SIM_TIME_SCALE: z.coerce.number().positive().default(0.1),
  /** Load-balancer address Ingresses get. */
  SIM_INGRESS_ADDRESS: z.string().min(1).default('127.0.0.1'),
  /** RSA key size of the Sealed Secrets key. */
  SIM_SEALING_KEY_BITS: z.coerce.number().int().min(2048).default(4096),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const c = simEnvSchema.parse(env);
  const logger = pino({ level: c.LOG_LEVEL, base: { component: 'sim', simulated: true } });
  const sim = await startSim({
    ...(c.SIM_REPO_URL ? { repoURL: c.SIM_REPO_URL } : {}),
    repoRevision: c.SIM_REPO_REVISION,
    rootAppPath: c.SIM_ROOT_APP_PATH,
    projectsPath: c.SIM_PROJECTS_PATH,
    argocdNamespace: c.SIM_ARGOCD_NAMESPACE,
    host: c.SIM_HOST,
    port: c.SIM_PORT,
    stateDir: c.SIM_STATE_DIR,
    ...(c.SIM_KUBECONFIG ? { kubeconfigPath: c.SIM_KUBECONFIG } : {}),
    ...(c.SIM_TOKEN ? { token: c.SIM_TOKEN } : {}),
    pollMs: c.SIM_POLL_MS,
    tickMs: c.SIM_TICK_MS,
    sealingKeyBits: c.SIM_SEALING_KEY_BITS,
    timings: {
      podStartMs: c.SIM_POD_START_MS,
      podReadyMs: c.SIM_POD_READY_MS,
      jobCompleteMs: c.SIM_JOB_COMPLETE_MS,
      pvcBindMs: c.SIM_PVC_BIND_MS,
      ingressAddressMs: c.SIM_INGRESS_ADDRESS_MS,
      certificateReadyMs: c.SIM_CERTIFICATE_READY_MS,
      namespaceTerminationMs: c.SIM_NAMESPACE_TERMINATION_MS,
      timeScale: c.SIM_TIME_SCALE,
      ingressAddress: c.SIM_INGRESS_ADDRESS,
    },
    log: (level, msg, fields) => logger[level](fields ?? {}, msg),
  });
  if (!c.SIM_REPO_URL) logger.warn('SIM_REPO_URL is not set: no root app-of-apps will be bootstrapped');
  // Readiness for a parent process (`npm start`), whatever LOG_LEVEL lets through.
  process.send?.({ type: 'sim-ready', kubeconfigPath: sim.kubeconfigPath });
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping simulated cluster');
    await sim.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'EADDRINUSE') console.error(`sim: cannot start: port ${process.env.SIM_PORT ?? 6550} is already in use; set SIM_PORT to a free port (0: any)`);
    else console.error(err);
    process.exit(1);
  });
}
