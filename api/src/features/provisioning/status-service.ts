import type { Transactor, Tx } from '../../db/transactor.ts';
import type { Logger } from 'pino';
import { storeResourceName } from '../../../../renderer/src/render-store.ts';
import type { StoreRepository, StoreRowVersion } from '../stores/store-repository.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { mapApplicationStatus, type ArgoApplication } from './application-status.ts';
import { STORE_ID_LABEL, type ClusterClient } from './cluster-client.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import { describePods } from './store-health.ts';
import { isAheadOfGit, isRunning } from '../stores/store-lifecycle.ts';

export type StatusSettings = {
  readyTimeoutMs: number;
  /** True when `revision` contains `commit` (same commit or a descendant). */
  includes: (commit: string, revision: string) => Promise<boolean>;
  /** Pull-request mode: the merge state of a store's pull request. */
  pullRequest?: (n: number) => Promise<{ merged: boolean; state: 'open' | 'closed'; mergeCommitSha: string | null }>;
  now?: () => Date;
  /** A full pass over every store this often (ms); between them a cycle looks only at what changed. Default 300000. */
  resyncIntervalMs?: number;
};

export const DEFAULT_RESYNC_INTERVAL_MS = 300_000;
/** How far before the last cycle's start a row's updated_at still counts as new (long transactions). */
const ROW_CHANGE_WINDOW_MS = 60_000;

/** What of a store's row the cycle acts on: when it differs from the last look, the store is looked at again. */
function rowFingerprint(s: StoreRowVersion): string {
  return [s.status, s.phase, s.message, s.commit_sha, s.pull_request_number, s.attempt, new Date(s.updated_at).getTime()].join('|');
}

/**
 * True when the store's next answer may change without its Application or its row changing: a clock
 * (the ready timeout of a committed Pending store), its pods (read when the Application is Degraded, or
 * not Healthy while the store runs), its pull request, or its namespace going away. Those stores are
 * looked at every cycle; every other store only when its Application or its row changes.
 */
function readsBeyondTheWatch(store: StoreModel, app: ArgoApplication | undefined): boolean {
  if (store.status === 'Deleting') return store.phase === 'pruning';
  if (store.phase === 'awaiting review') return true;
  if (store.status === 'Pending') return !!store.commit_sha;
  const health = app?.status?.health?.status;
  return health === 'Degraded' || (isRunning(store) && !!app && health !== 'Healthy');
}

/**
 * One status cycle: each store's Application (from the in-memory list + watch of every managed
 * Application, ClusterClient.storeApplications — no list call per cycle) mapped to the store's status;
 * every change is written to the store's timeline with its reason. Deleting stores are removed once their
 * Application and namespace are gone. A cluster that cannot be reached throws (ClusterUnavailableError):
 * the job retries, and nothing is changed meanwhile.
 *
 * What a cycle looks at: the stores whose Application changed since the last cycle, those whose row
 * changed (updated_at / status / commit), and those waiting on something the watch cannot see
 * (readsBeyondTheWatch); every `resyncIntervalMs` a full pass over every store. With nothing changed a
 * cycle reads no store and calls nothing.
 */
export class StatusService {
  private readonly stores: StoreRepository;
  private readonly tx: Transactor;
  private readonly cluster: ClusterClient;
  private readonly metrics: PipelineMetrics;
  private readonly audit: AuditLog;
  private readonly settings: StatusSettings;
  private readonly logger: Logger;
  /** Stores whose Application changed and that no cycle has looked at since. */
  private readonly appChanged = new Set<string>();
  /** Stores looked at every cycle (readsBeyondTheWatch), and those whose last look failed. */
  private readonly waiting = new Set<string>();
  /** Each store's row as the last look saw it (rowFingerprint). */
  private readonly rowSeen = new Map<string, string>();
  private lastFullAt = -Infinity;
  private lastCycleAt = 0;

  constructor(deps: {
    stores: StoreRepository;
    tx: Transactor;
    cluster: ClusterClient;
    metrics: PipelineMetrics;
    audit: AuditLog;
    settings: StatusSettings;
    logger: Logger;
  }) {
    this.stores = deps.stores;
    this.tx = deps.tx;
    this.cluster = deps.cluster;
    this.metrics = deps.metrics;
    this.audit = deps.audit;
    this.settings = deps.settings;
    this.logger = deps.logger.child({ component: 'status' });
  }

  async cycle(): Promise<{ checked: number; changed: number; removed: number }> {
    const end = this.metrics.statusCycleDuration.startTimer();
    const apps = this.cluster.storeApplications();
    await apps.synced();
    for (const id of apps.takeChanged()) this.appChanged.add(id);
    const startedAt = Date.now();
    const full = startedAt - this.lastFullAt >= (this.settings.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS);
    let stores: StoreModel[];
    if (full) {
      stores = await this.stores.listForStatus();
      this.lastFullAt = startedAt;
      this.rowSeen.clear();
      this.waiting.clear();
    } else {
      const asked = new Set([...this.appChanged, ...this.waiting]);
      // Rows updated shortly before the last cycle started too: a transaction that began earlier (its
      // updated_at is its start) may have committed after that cycle read.
      for (const v of await this.stores.listVersionsSince(new Date(this.lastCycleAt - ROW_CHANGE_WINDOW_MS)))
        if (this.rowSeen.get(v.id) !== rowFingerprint(v)) asked.add(v.id);
      stores = await this.stores.listForStatusByIds([...asked]);
      const found = new Set(stores.map((r) => r.id));
      for (const id of asked) if (!found.has(id)) this.forget(id);
    }
    this.lastCycleAt = startedAt;
    let changed = 0;
    let removed = 0;
    for (const store of stores) {
      const app = apps.get(store.id);
      this.appChanged.delete(store.id);
      this.rowSeen.set(store.id, rowFingerprint(store));
      this.waiting.delete(store.id);
      try {
        if (store.status === 'Deleting') removed += (await this.reconcileDeletion(store, app)) ? 1 : 0;
        else if (store.phase === 'awaiting review') changed += (await this.reconcileReview(store)) ? 1 : 0;
        else changed += (await this.reconcileStore(store, app)) ? 1 : 0;
        if (readsBeyondTheWatch(store, app)) this.waiting.add(store.id);
      } catch (err) {
        this.waiting.add(store.id); // looked at again next cycle, as before
        this.logger.warn({ storeId: store.id, err: (err as Error).message }, 'status of one store could not be updated');
        if ((err as Error).name === 'ClusterUnavailableError') throw err;
      }
    }
    end();
    return { checked: stores.length, changed, removed };
  }

  private forget(id: string): void {
    this.appChanged.delete(id);
    this.waiting.delete(id);
    this.rowSeen.delete(id);
  }

  private async reconcileStore(store: StoreModel, app: ArgoApplication | undefined): Promise<boolean> {
    if (!store.commit_sha) return false;
    const revisions = new Set(
      [app?.status?.sync?.revision, app?.status?.operationState?.syncResult?.revision, app?.status?.operationState?.operation?.sync?.revision].filter(
        (r): r is string => !!r,
      ),
    );
    const containing = new Set<string>();
    for (const r of revisions) if (await this.settings.includes(store.commit_sha, r).catch(() => false)) containing.add(r);
    let podDetails: string | undefined;
    const health = app?.status?.health?.status;
    // a suspended store was provisioned long ago: its resume is no provisioning outcome
    const running = isRunning(store) || store.status === 'Suspended';
    if (health === 'Degraded' || (running && app && health !== 'Healthy')) {
      podDetails =
        describePods(await this.cluster.listPods(storeResourceName(store.id), 'app.kubernetes.io/component in (wordpress,mysql,setup)')).problems.join('; ') ||
        undefined;
    }
    const view = { status: store.status, phase: store.phase, commitSha: store.commit_sha, committedAt: store.committed_at, aheadOfGit: isAheadOfGit(store) };
    const mapped = mapApplicationStatus(view, app, {
      now: this.settings.now?.() ?? new Date(),
      readyTimeoutMs: this.settings.readyTimeoutMs,
      includesCommit: (r) => !!r && containing.has(r),
      podDetails,
    });
    if (!mapped || (mapped.status === store.status && mapped.phase === store.phase && mapped.message === store.message)) return false;
    // An Error from a failed sync of this commit stays until a retry makes a new commit; only Ready
    // (Argo CD's self-heal or an operator's fix) lifts it.
    if (store.status === 'Error' && mapped.status === 'Pending') return false;
    const applied = await this.tx.run(async (tx) => {
      // The cycle read the store a moment ago: a delete or retry since then wins over this mapping.
      if (!(await this.unchanged(store, tx))) return false;
      await this.stores.transition(store.id, { status: mapped.status, phase: mapped.phase, reason: mapped.reason, message: mapped.message }, tx);
      if (mapped.status === 'Ready') await this.stores.markReady(store.id, tx);
      return true;
    });
    if (!applied) return false;
    // Provision outcomes count provisioning only: a running store that breaks and heals is not one.
    if (!running && mapped.status === 'Ready' && store.status !== 'Ready') {
      this.metrics.provisionOutcomes.inc({ outcome: 'success', reason: 'Healthy' });
      if (!store.ready_at) this.metrics.provisionDuration.observe((Date.now() - new Date(store.created_at).getTime()) / 1000);
    }
    if (!running && mapped.status === 'Error' && store.status !== 'Error') this.metrics.provisionOutcomes.inc({ outcome: 'failure', reason: mapped.reason });
    this.logger.info(
      { storeId: store.id, from: `${store.status}/${store.phase}`, to: `${mapped.status}/${mapped.phase}`, reason: mapped.reason },
      'store status changed',
    );
    return true;
  }

  private async reconcileReview(store: StoreModel): Promise<boolean> {
    if (!store.pull_request_number || !this.settings.pullRequest) return false;
    const pr = await this.settings.pullRequest(store.pull_request_number);
    if (pr.merged && pr.mergeCommitSha) {
      await this.tx.run(async (tx) => {
        if (!(await this.unchanged(store, tx))) return;
        await this.stores.markCommitted(
          store.id,
          {
            sha: pr.mergeCommitSha!,
            pullRequest: { number: store.pull_request_number!, url: store.pull_request_url ?? '' },
            generation: store.committed_generation,
          },
          tx,
        );
        await this.stores.transition(
          store.id,
          {
            status: 'Pending',
            phase: 'committed',
            reason: 'PullRequestMerged',
            message: `Pull request #${store.pull_request_number} merged; waiting for Argo CD.`,
          },
          tx,
        );
      });
      return true;
    }
    if (pr.state === 'closed' && !pr.merged) {
      await this.tx.run(async (tx) => {
        if (await this.unchanged(store, tx))
          await this.stores.transition(
            store.id,
            {
              status: 'Error',
              phase: 'failed',
              reason: 'PullRequestClosed',
              message: `Pull request #${store.pull_request_number} was closed without merging.`,
            },
            tx,
          );
      });
      return true;
    }
    return false;
  }

  /** Locks the store's row and tells whether it is still in the state the cycle read. */
  private async unchanged(store: StoreModel, tx: Tx): Promise<boolean> {
    const cur = await this.stores.lockById(store.id, tx);
    return !!cur && cur.status === store.status && cur.phase === store.phase && cur.commit_sha === store.commit_sha;
  }

  /** Removes the record once Git no longer has the store (commit made), the Application is gone and the namespace too. */
  private async reconcileDeletion(store: StoreModel, app: ArgoApplication | undefined): Promise<boolean> {
    if (store.phase !== 'pruning') return false; // the delete job has not removed it from Git yet
    if (app) return false;
    const phase = await this.cluster.namespacePhase(storeResourceName(store.id));
    if (phase !== null) {
      if (store.message !== 'Namespace terminating.' && phase === 'Terminating') {
        await this.tx.run((tx) =>
          this.stores.transition(store.id, { status: 'Deleting', phase: 'pruning', reason: 'NamespaceTerminating', message: 'Namespace terminating.' }, tx),
        );
      }
      return false;
    }
    if (await this.stores.remove(store.id)) {
      await this.audit.record({
        action: 'store.deleted',
        outcome: 'success',
        userId: store.owner_id,
        storeId: store.id,
        resource: `store:${store.id}`,
        details: { name: store.name },
      });
      this.logger.info({ storeId: store.id }, 'store removed: Application and namespace are gone');
      return true;
    }
    return false;
  }
}
