import type { Transactor, Tx } from '../../db/transactor.ts';
import type { Logger } from 'pino';
import { storeResourceName } from '../../../../renderer/src/render-store.ts';
import type { StoreRepository } from '../stores/store-repository.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { mapApplicationStatus, type ArgoApplication } from './application-status.ts';
import { STORE_ID_LABEL, type ClusterClient } from './cluster-client.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import { describePods } from './store-health.ts';
import { isRunning } from '../stores/store-lifecycle.ts';

export type StatusSettings = {
  readyTimeoutMs: number;
  /** True when `revision` contains `commit` (same commit or a descendant). */
  includes: (commit: string, revision: string) => Promise<boolean>;
  /** Pull-request mode: the merge state of a store's pull request. */
  pullRequest?: (n: number) => Promise<{ merged: boolean; state: 'open' | 'closed'; mergeCommitSha: string | null }>;
  now?: () => Date;
};

/**
 * One status cycle: ONE list call for every managed Application (label selector), mapped to each
 * store's status; every change is written to the store's timeline with its reason. Deleting stores are
 * removed once their Application and namespace are gone. A cluster that cannot be reached throws
 * (ClusterUnavailableError): the job retries, and nothing is changed meanwhile.
 */
export class StatusService {
  private readonly stores: StoreRepository;
  private readonly tx: Transactor;
  private readonly cluster: ClusterClient;
  private readonly metrics: PipelineMetrics;
  private readonly audit: AuditLog;
  private readonly settings: StatusSettings;
  private readonly logger: Logger;

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
    const apps = await this.cluster.listStoreApplications();
    const byStore = new Map<string, ArgoApplication>();
    for (const a of apps) {
      const id = a.metadata.labels?.[STORE_ID_LABEL];
      if (id) byStore.set(id, a);
    }
    const all = await this.stores.listForStatus();
    let changed = 0;
    let removed = 0;
    for (const store of all) {
      try {
        if (store.status === 'Deleting') removed += (await this.reconcileDeletion(store, byStore.get(store.id))) ? 1 : 0;
        else if (store.phase === 'awaiting review') changed += (await this.reconcileReview(store)) ? 1 : 0;
        else changed += (await this.reconcileStore(store, byStore.get(store.id))) ? 1 : 0;
      } catch (err) {
        this.logger.warn({ storeId: store.id, err: (err as Error).message }, 'status of one store could not be updated');
        if ((err as Error).name === 'ClusterUnavailableError') throw err;
      }
    }
    end();
    return { checked: all.length, changed, removed };
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
    const running = isRunning(store);
    if (health === 'Degraded' || (running && app && health !== 'Healthy')) {
      podDetails =
        describePods(await this.cluster.listPods(storeResourceName(store.id), 'app.kubernetes.io/component in (wordpress,mysql,setup)')).problems.join('; ') ||
        undefined;
    }
    const mapped = mapApplicationStatus({ status: store.status, phase: store.phase, commitSha: store.commit_sha, committedAt: store.committed_at }, app, {
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
