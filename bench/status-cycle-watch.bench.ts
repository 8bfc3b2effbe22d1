// Benchmark: one status cycle at N store Applications when ONE store changed, before and after the watch.
// Usage: node bench/status-cycle-watch.bench.ts [--apps 1000] [--rounds 3]
//   before: what the cycle did until the watch — one list call of every managed Application, then every
//           store mapped (StatusService with a list each cycle and a full pass every cycle);
//   after:  the list + watch kept in memory (ApplicationInformer), a cycle looks only at what changed.
// Real PostgreSQL (a fresh database) and the sim's API server over HTTPS; the sim's controllers stay still
// (the bench writes the Applications' status itself), and "does the revision contain the commit" is an
// in-process comparison, so the figures are the cycle's own mechanics. Each round one Pending store's
// Application turns Synced + Healthy (the store becomes Ready): the change a cycle exists for.
// Prints min / median / max over the rounds of cycle wall time, list calls and stores looked at.
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { Registry } from 'prom-client';
import { startSim } from '../sim/src/sim.ts';
import { createTestDatabase } from '../api/test/support/test-database.ts';
import { createKnex } from '../api/src/db/create-knex.ts';
import { migrateLatest } from '../api/src/db/migrate.ts';
import { KnexTransactor } from '../api/src/db/transactor.ts';
import { PgStoreRepository } from '../api/src/features/stores/store-repository.ts';
import { PgAuditRepository } from '../api/src/features/audit/audit-repository.ts';
import { AuditLog } from '../api/src/features/audit/audit-log.ts';
import { PipelineMetrics } from '../api/src/features/provisioning/pipeline-metrics.ts';
import { StatusService } from '../api/src/features/provisioning/status-service.ts';
import { KubeClusterClient, STORE_ID_LABEL, type ClusterClient } from '../api/src/features/provisioning/cluster-client.ts';
import type { StoreApplications } from '../api/src/features/provisioning/application-informer.ts';
import type { ArgoApplication } from '../api/src/features/provisioning/application-status.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../renderer/src/render-store.ts';

const { values } = parseArgs({ options: { apps: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.apps);
const ROUNDS = Number(values.rounds);
const API = 'argoproj.io/v1alpha1';
const COMMIT = 'c0ffee'.padEnd(40, '0');

const db = await createTestDatabase();
const knex = createKnex(db.url, 10);
await migrateLatest(knex);
const sim = await startSim({ tickMs: 3_600_000, sealingKeyBits: 2048 });
await sim.tick();
const kc = new KubeConfig();
kc.loadFromFile(sim.kubeconfigPath);

// N stores: all Ready at the commit but 2 × ROUNDS Pending ones (one per round of each case), each with its Application.
const [owner] = await knex('users').insert({ email: 'bench@example.com', role: 'user' }).returning('id');
const pendingCount = 2 * ROUNDS;
const rows = Array.from({ length: N }, (_, i) => ({
  owner_id: owner.id,
  name: `bench-${i}`,
  domain: `bench-${i}.example.test`,
  status: i < pendingCount ? 'Pending' : 'Ready',
  phase: i < pendingCount ? 'progressing' : 'ready',
  commit_sha: COMMIT,
  committed_at: new Date(),
  ready_at: i < pendingCount ? null : new Date(),
}));
const ids: string[] = [];
for (let i = 0; i < rows.length; i += 500) ids.push(...(await knex('stores').insert(rows.slice(i, i + 500)).returning('id')).map((r: { id: string }) => r.id));
// Stores that exist already (created an hour ago), not a burst of creates the cycle still watches settle.
await knex('stores').update({ updated_at: knex.raw("now() - interval '1 hour'"), committed_at: knex.raw("now() - interval '1 hour'") });
const status = (health: string) => ({ sync: { status: 'Synced', revision: COMMIT }, health: { status: health }, reconciledAt: new Date().toISOString() });
for (let i = 0; i < N; i++) {
  const id = ids[i] as string;
  const app = sim.store.create({
    apiVersion: API,
    kind: 'Application',
    metadata: { name: `store-${id}`, namespace: 'argocd', labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [STORE_ID_LABEL]: id } },
    spec: {},
  });
  sim.store.setStatus(app, status(i < pendingCount ? 'Progressing' : 'Healthy'));
}
let nextPending = 0;
const becomesHealthy = () => {
  const id = ids[nextPending++] as string;
  sim.store.setStatus(sim.store.get(API, 'Application', 'argocd', `store-${id}`)!, status('Healthy'));
  return id;
};

const logger = pino({ level: 'warn' });
const stores = new PgStoreRepository(knex);
const service = (cluster: ClusterClient, resyncIntervalMs?: number) =>
  new StatusService({
    stores,
    tx: new KnexTransactor(knex),
    cluster,
    metrics: new PipelineMetrics(new Registry()),
    audit: new AuditLog(new PgAuditRepository(knex), logger),
    logger,
    settings: { readyTimeoutMs: 3_600_000, includes: async (c, r) => c === r, ...(resyncIntervalMs !== undefined ? { resyncIntervalMs } : {}) },
  });

/** The cycle before the watch: a list call each cycle, every store looked at (as StatusService did). */
class ListEveryCycle extends KubeClusterClient {
  private apps = new Map<string, ArgoApplication>();
  override storeApplications(): StoreApplications {
    const self = this;
    return {
      stats: { lists: 0, watches: 0, events: 0, relists: 0, bookmarks: 0 },
      async synced() {
        self.apps = new Map((await self.listStoreApplications()).map((a) => [a.metadata.labels?.[STORE_ID_LABEL] ?? '', a]));
      },
      get: (id) => self.apps.get(id),
      storeIds: () => self.apps.keys(),
      takeChanged: () => new Set(self.apps.keys()),
      stop() {},
    };
  }
}

const listCalls = () => sim.stats().requests.byRoute['list applications.argoproj.io'] ?? 0;
type Round = { ms: number; lists: number; checked: number };
async function round(s: StatusService): Promise<Round> {
  const lists = listCalls();
  const t = performance.now();
  const r = await s.cycle();
  return { ms: performance.now() - t, lists: listCalls() - lists, checked: r.checked };
}
const stateOf = async (id: string) => (await stores.findById(id))?.status;

const results: Record<string, Round[]> = { before: [], after: [], afterIdle: [] };
{
  const before = service(new ListEveryCycle(kc, 'argocd'), 0);
  await before.cycle(); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    const id = becomesHealthy();
    results.before!.push(await round(before));
    if ((await stateOf(id)) !== 'Ready') throw new Error('before: the changed store did not turn Ready');
  }
}
{
  const client = new KubeClusterClient(kc, 'argocd');
  const after = service(client);
  await after.cycle(); // the first cycle: the informer's list and a full pass
  await after.cycle(); // rows the full pass changed are looked at once more
  const informer = client.storeApplications();
  for (let i = 0; i < ROUNDS; i++) {
    const id = becomesHealthy();
    while (informer.get(id)?.status?.health?.status !== 'Healthy') await new Promise((r) => setTimeout(r, 5));
    results.after!.push(await round(after));
    if ((await stateOf(id)) !== 'Ready') throw new Error('after: the changed store did not turn Ready');
  }
  // Every store Ready now, nothing changes: what a cycle costs at rest.
  await after.cycle(); // the last changed row, looked at once more
  for (let i = 0; i < ROUNDS; i++) results.afterIdle!.push(await round(after));
  console.log(`informer: ${JSON.stringify(informer.stats)}`);
  client.close();
}

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(1)} / ${s[Math.floor(s.length / 2)]!.toFixed(1)} / ${s.at(-1)!.toFixed(1)}`;
};
console.log(`\nStatus cycle, ${N} Applications, 1 changed store (min / median / max of ${ROUNDS} rounds)`);
console.log(`${'case'.padEnd(34)}${'cycle ms'.padEnd(26)}${'list calls'.padEnd(12)}stores looked at`);
for (const [name, label] of [
  ['before', 'before: list + every store'],
  ['after', 'after: watch, 1 changed'],
  ['afterIdle', 'after: watch, nothing changed'],
] as const) {
  const r = results[name]!;
  console.log(`${label.padEnd(34)}${stat(r.map((x) => x.ms)).padEnd(26)}${String(Math.max(...r.map((x) => x.lists))).padEnd(12)}${Math.max(...r.map((x) => x.checked))}`);
}
console.log(JSON.stringify({ apps: N, rounds: ROUNDS, results }));
await sim.stop();
await knex.destroy();
await db.drop();
