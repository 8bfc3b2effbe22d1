// Row 6: one status cycle (the worker's recurring status job, run once) right after a commit moved the
// revision every store Application reports, with N stores and N Applications, against the one list call
// of those Applications alone. The cluster is the sim's API server with its controllers idle (the
// Applications are written into it with a Synced/Healthy status, as Argo CD would report them), so the
// cycle's own cost is what is measured; the repo holds every store's folder (one seed commit).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { startSim } from '../../sim/src/sim.ts';
import { createBareRepo, startGitHttpServer } from '../../gitops/test/support/git-http-server.ts';
import { GitWriter } from '../../gitops/src/git-writer.ts';
import { createTestDatabase } from '../../api/test/support/test-database.ts';
import { LogCapture } from '../../api/test/support/log-capture.ts';
import { loadConfig } from '../../api/src/config/config.ts';
import { createLogger } from '../../api/src/logging/create-logger.ts';
import { createKnex } from '../../api/src/db/create-knex.ts';
import { migrateLatest } from '../../api/src/db/migrate.ts';
import { createPlatform } from '../../api/src/app.ts';
import { connectPipeline } from '../../api/src/features/provisioning/connect-pipeline.ts';
import { STATUS_JOB } from '../../api/src/features/provisioning/pipeline-jobs.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, renderStore } from '../../renderer/src/render-store.ts';
import { finishRow, num, type BenchOptions, type Round, type RowResult } from '../lib/row.ts';
import { insertUsers } from '../lib/users.ts';
import { benchStore } from '../lib/fixtures.ts';
import { median } from '../lib/stats.ts';

export async function statusCycleRow(o: BenchOptions): Promise<RowResult> {
  const n = num(o, 'applications', 10_000, 10);
  const lists = num(o, 'list-samples', 3, 1);
  const dir = await mkdtemp(join(tmpdir(), 'bench-status-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const server = await startGitHttpServer({ projectRoot: dir });
    cleanups.push(() => server.close());
    await createBareRepo(dir, 'gitops.git');
    const repoUrl = server.repoUrl('gitops.git');
    // No controller passes (the sim's loop interval is set beyond the bench): the Applications keep the status written here.
    const sim = await startSim({ sealingKeyBits: 2048, tickMs: 2 ** 31 - 1, pollMs: 2 ** 31 - 1 });
    cleanups.push(() => sim.stop());
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const config = loadConfig({
      DATABASE_URL: db.url,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      GITOPS_REPO: repoUrl,
      CLUSTER_KUBECONFIG: sim.kubeconfigPath,
      STORE_READY_TIMEOUT_SECONDS: '86400',
      JWT_SECRET: randomBytes(48).toString('base64url'),
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DASHBOARD_SECRET: randomBytes(32).toString('base64url'),
    });
    const logger = createLogger(config.logLevel, new LogCapture());
    const knex = createKnex(db.url, config.databasePoolMax);
    cleanups.push(() => knex.destroy());
    await migrateLatest(knex);

    o.log(`  row 6: ${n} stores in the repo, the database and the cluster`);
    const owners = await insertUsers(knex, config, Math.ceil(n / 10), 'status');
    const rows = Array.from({ length: n }, (_, i) => ({ ...benchStore(i + 1), ownerId: owners[i % owners.length]!.id }));
    const settings = { repoUrl, targetRevision: 'main' };
    const rendered = rows.map((s) => renderStore(s, settings));
    const writer = new GitWriter({ remote: repoUrl, branch: 'main' });
    cleanups.push(() => writer.close());
    await writer.init([{ path: 'README.md', content: '# bench\n' }]);
    const seed = await writer.apply(rendered.flat(), `Seed ${n} stores`);
    for (let i = 0; i < n; i += 1000) {
      await knex('stores').insert(
        rows.slice(i, i + 1000).map((s) => ({
          id: s.id,
          owner_id: s.ownerId,
          name: s.name,
          domain: s.domain,
          status: 'Pending',
          phase: 'committed',
          commit_sha: seed.sha,
          committed_at: new Date(),
        })),
      );
    }
    await knex.raw('ANALYZE');
    const apps = rendered.map((files) => parse(files.find((f) => f.path.endsWith('/application.yaml'))!.content) as k8s.KubernetesObject);
    const report = (revision: string) => ({
      sync: { status: 'Synced', revision },
      health: { status: 'Healthy' },
      operationState: { phase: 'Succeeded', message: 'successfully synced', operation: { sync: { revision } }, syncResult: { revision } },
      reconciledAt: new Date().toISOString(),
    });
    const created = apps.map((a) => sim.store.create(a as never));
    for (const a of created) sim.store.setStatus(a, report(seed.sha));

    const connections = connectPipeline(config, logger);
    cleanups.push(() => connections.close());
    const platform = createPlatform(config, logger, { knex, connections });
    const job = platform.pipeline!.jobs.find((j) => j.name === STATUS_JOB) ?? platform.pipeline!.jobs.find((j) => j.everyMs !== undefined);
    if (!job) throw new Error('no recurring status job in the pipeline');
    const cycle = async () => {
      const t0 = performance.now();
      await job.run({}, { attempt: 0, lastAttempt: true });
      return performance.now() - t0;
    };
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const list = async () => {
      const t0 = performance.now();
      const res = (await custom.listNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: config.cluster.argocdNamespace,
        plural: 'applications',
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      })) as { items: unknown[] };
      if (res.items.length !== n) throw new Error(`listed ${res.items.length} Applications, expected ${n}`);
      return performance.now() - t0;
    };
    // The first cycle moves every store Pending → Ready (one transition each); the rows are then in the
    // state a running platform has, and the cycles measured below start from it.
    const first = await cycle();
    const ready = Number((await knex('stores').where('status', 'Ready').count({ c: '*' }))[0]!.c);
    o.log(`  row 6: first cycle ${first.toFixed(0)} ms (${ready}/${n} stores Ready)`);
    await list();
    let k = 0;
    const rounds: Round[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const ls: number[] = [];
      for (let i = 0; i < lists; i++) ls.push(await list());
      // A commit (one more store's worth of change), and Argo CD reporting it for every Application.
      const next = await writer.apply([{ path: `bench/commit-${k++}.txt`, content: `${k}\n` }], `bench commit ${k}`);
      for (const a of created) {
        const cur = sim.store.get(a.apiVersion, a.kind, a.metadata.namespace, a.metadata.name)!;
        sim.store.setStatus(cur, report(next.sha));
      }
      const c = await cycle();
      o.log(`  row 6 round ${r + 1}: list ${median(ls).toFixed(0)} ms, status cycle after a commit ${c.toFixed(0)} ms`);
      rounds.push({ baseline: median(ls), figure: c });
    }
    const stillReady = Number((await knex('stores').where('status', 'Ready').count({ c: '*' }))[0]!.c);
    return finishRow({
      row: 6,
      what: `status cycle right after a commit, ${n} Applications`,
      baselineWhat: 'the one list call alone',
      unit: 'ms',
      better: 'lower',
      sizes: { applications: n },
      rounds,
      goal: '≤ 2',
      judge: (ratio) => ({
        met: ratio.median <= 2 && ready === n && stillReady === n,
        notes: [`first cycle (every store Pending → Ready) ${first.toFixed(0)} ms; Ready after it ${ready}/${n}, at the end ${stillReady}/${n}`],
      }),
    });
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
