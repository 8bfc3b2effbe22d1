import type { Logger } from 'pino';
import type { Transactor } from '../../db/transactor.ts';
import { renderStore, storeDir, storeResourceName, STORE_SECRET_NAME, type RenderSettings } from '../../../../renderer/src/render-store.ts';
import { sealSecrets } from '../../../../renderer/src/seal.ts';
import type { ApplyResult, FileChange, RepoWriter } from '../../../../gitops/src/git-writer.ts';
import { PipelineError } from '../../../../renderer/src/pipeline-error.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { StoreRepository } from '../stores/store-repository.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import { canFail, canProvision, canRemoveFromGit, type StoreState } from '../stores/store-lifecycle.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import type { ClusterClient } from './cluster-client.ts';
import { generateStoreSecrets } from './store-secrets.ts';
import { toRenderableStore } from './renderable-store.ts';
import type { PlanCatalog } from '../plans/plan-catalog.ts';
import { LocalCommitterLock, type CommitterLock } from './committer-lock.ts';
import { giveUpReason, isTransient } from './pipeline-jobs.ts';

export type PipelineSettings = {
  render: RenderSettings;
  /** Name of the root app-of-apps (refreshed after each commit so a new store is seen at once). */
  rootApplication: string;
  /** Pull-request mode: commits wait for review ("awaiting review") instead of landing on the branch. */
  pullRequests: boolean;
  /** The operator's plans: each store's plan is rendered as its sizes (absent: the chart's defaults). */
  plans?: PlanCatalog;
  /** Most stores in one commit (default 200). */
  maxBatch?: number;
};

/** What one committer run did. */
export type CommitRun = {
  /** Stores committed (provisioned or changed), and stores removed from Git. */
  committed: string[];
  removed: string[];
  /** Stores that failed on their own (marked failed, or left for a retry). */
  failed: string[];
  /** Stores per commit, one entry per batch. */
  batches: number[];
  /** Another run (this process or another worker) held the committer: this call left the work to it. */
  coalesced: boolean;
};

/** A batch (or some of its stores) could not be committed; names the stores. Transient when its cause is. */
export class CommitBatchError extends PipelineError {
  override name = 'CommitBatchError';
  readonly storeIds: string[];
  constructor(storeIds: string[], cause: unknown) {
    super(`${(cause as Error)?.message ?? String(cause)} (${storeIds.length} store${storeIds.length === 1 ? '' : 's'})`, {
      transient: isTransient(cause),
      cause,
    });
    this.storeIds = storeIds;
  }
}

type BatchItem = {
  id: string;
  name: string;
  removal: boolean;
  generation: number;
  changes: FileChange[];
  attempt: number;
  /** Its Application exists already (committed before): Argo CD is asked to refresh it too. */
  known: boolean;
};

/**
 * The committer (provision and delete), a reconcile step safe to run again at any point: secrets are
 * generated once and persisted before anything uses them; the Git writer is declarative (a change
 * already in the tip makes no new commit); a store already Ready is never provisioned again. See
 * commitDue for the batching, the election and why no transaction spans Git or cluster I/O.
 */
export class ProvisionService {
  private readonly stores: StoreRepository;
  private readonly tx: Transactor;
  private readonly writer: RepoWriter;
  private readonly cluster: ClusterClient;
  private readonly secrets: SecretBox;
  private readonly settings: PipelineSettings;
  private readonly metrics: PipelineMetrics;
  private readonly logger: Logger;
  private readonly lock: CommitterLock;
  private readonly maxBatch: number;
  private running = false;
  private again = false;

  constructor(deps: {
    stores: StoreRepository;
    tx: Transactor;
    writer: RepoWriter;
    cluster: ClusterClient;
    secrets: SecretBox;
    settings: PipelineSettings;
    metrics: PipelineMetrics;
    logger: Logger;
    /** One committer per repo (default: within this process only). */
    lock?: CommitterLock;
  }) {
    this.stores = deps.stores;
    this.tx = deps.tx;
    this.writer = deps.writer;
    this.cluster = deps.cluster;
    this.secrets = deps.secrets;
    this.settings = deps.settings;
    this.metrics = deps.metrics;
    this.logger = deps.logger.child({ component: 'provision' });
    this.lock = deps.lock ?? new LocalCommitterLock();
    this.maxBatch = deps.settings.maxBatch ?? 200;
  }

  /** Generates and seals the store's secrets unless they exist; returns the persisted sealed data. */
  private async ensureSecrets(store: StoreModel): Promise<Record<string, string>> {
    if (store.sealed_secrets) return store.sealed_secrets;
    const plain = generateStoreSecrets();
    const sealed = sealSecrets(await this.cluster.sealingCertificate(), storeResourceName(store.id), STORE_SECRET_NAME, plain);
    const adminEnc = this.secrets.seal(plain['wordpress-admin-password'], store.id);
    if (await this.stores.saveSecretsOnce(store.id, sealed, plain['wordpress-admin-user'], adminEnc)) return sealed;
    // Another run won the race: use what it persisted, so the secrets never change.
    const again = await this.stores.findById(store.id);
    return again!.sealed_secrets!;
  }

  /** Runs the committer (see commitDue) and says whether this store was committed by that run. */
  async provision(storeId: string): Promise<'skipped' | 'committed'> {
    const run = await this.commitDue();
    return run.committed.includes(storeId) ? 'committed' : 'skipped';
  }

  /** Runs the committer (see commitDue) and says whether this store's folder was removed by that run. */
  async delete(storeId: string): Promise<'skipped' | 'committed'> {
    const run = await this.commitDue();
    return run.removed.includes(storeId) ? 'committed' : 'skipped';
  }

  /**
   * The committer: commits EVERYTHING due (stores ahead of Git, Deleting stores still in Git), one
   * commit per batch, until nothing is due. One committer per repo at a time (the CommitterLock, a
   * PostgreSQL advisory lock across processes); a call that finds it taken returns at once (coalesced):
   * the holder looks again after releasing, so work that arrived meanwhile is never left behind.
   *
   * No transaction or row lock is held across Git or cluster I/O: a pass reads what is due (claim),
   * renders and pushes with no transaction open, then records the result in one short transaction.
   * Idempotent: a crash after the push leaves the store due; the next pass renders the same files, the
   * Git writer finds them in the tip and makes no new commit, and the tip is recorded.
   *
   * Throws CommitBatchError (naming the stores) when a batch's push failed, or when stores failed on
   * their own with a transient error (e.g. sealing): the job retries with back-off, and gives up on them.
   */
  async commitDue(): Promise<CommitRun> {
    const run: CommitRun = { committed: [], removed: [], failed: [], batches: [], coalesced: false };
    if (this.running) {
      this.again = true; // the run in progress looks again before it ends
      run.coalesced = true;
      return run;
    }
    this.running = true;
    const retry = new Map<string, unknown>();
    try {
      for (;;) {
        if (!(await this.lock.tryAcquire())) {
          run.coalesced = true; // another worker commits; it looks again after releasing
          break;
        }
        try {
          for (;;) {
            this.again = false;
            const claimed = await this.pass(run, retry);
            if (claimed === 0 && !this.again) break;
          }
        } finally {
          await this.lock.release();
        }
        // A wake that came after our last look and found the lock taken left its work to us.
        const due = await this.stores.listDueCommit(retry.size + 1);
        if (!due.some((s) => !retry.has(s.id))) break;
      }
    } finally {
      this.running = false;
    }
    if (retry.size) {
      const [first] = retry.values();
      throw new CommitBatchError([...retry.keys()], first);
    }
    return run;
  }

  /** One batch: claim → render → re-read → push → record → refresh. Returns how many stores it claimed. */
  private async pass(run: CommitRun, retry: Map<string, unknown>): Promise<number> {
    const t0 = performance.now();
    const due = (await this.stores.listDueCommit(this.maxBatch + retry.size)).filter((s) => !retry.has(s.id)).slice(0, this.maxBatch);
    if (due.length === 0) return 0;

    // The dashboard shows "committing" while the batch is in flight (one short transaction).
    const queued = due.filter((s) => s.status === 'Pending' && s.phase === 'queued');
    if (queued.length) {
      await this.tx.run(async (tx) => {
        for (const s of queued) {
          const cur = await this.stores.lockById(s.id, tx);
          if (cur?.status === 'Pending' && cur.phase === 'queued')
            await this.stores.transition(s.id, { status: 'Pending', phase: 'committing', reason: 'Committing', message: 'Committing the store to Git.' }, tx);
        }
      });
    }

    const items: BatchItem[] = [];
    for (const s of due) {
      if (s.status === 'Deleting') {
        items.push({
          id: s.id,
          name: s.name,
          removal: true,
          generation: s.generation,
          changes: [{ path: storeDir(s.id), content: null }],
          attempt: s.attempt,
          known: false, // the root app prunes it
        });
        continue;
      }
      try {
        const sealed = await this.ensureSecrets(s);
        const changes = renderStore(toRenderableStore(s, sealed, this.settings.plans), this.settings.render);
        items.push({ id: s.id, name: s.name, removal: false, generation: s.generation, changes, attempt: s.attempt, known: s.committed_generation > 0 });
      } catch (err) {
        // This store only: the rest of the batch goes on.
        await this.storeFailed(s.id, err, run, retry);
      }
    }

    // Re-read right before writing the tree: a store deleted (or changed again) since the claim is left
    // for the next pass, so a removal commit can never be followed by a commit that re-adds the folder.
    const now = new Map((await this.stores.listByIds(items.map((i) => i.id))).map((r) => [r.id, r]));
    const ready: Array<BatchItem & { claimed: StoreState }> = [];
    for (const i of items) {
      const cur = now.get(i.id);
      if (!cur) continue;
      const still = i.removal
        ? cur.status === 'Deleting' && cur.phase === 'deleting'
        : cur.status !== 'Deleting' && canProvision(cur) && cur.generation === i.generation;
      if (still) ready.push({ ...i, claimed: { status: cur.status, phase: cur.phase } });
    }
    if (ready.length === 0) return due.length;

    // Only the lock holder pushes: if our session died another worker may be committing now.
    await this.lock.assertHeld();
    const t1 = performance.now();
    if (this.settings.pullRequests) {
      // One pull request per store change, as reviewers expect.
      for (const item of ready) {
        let result: ApplyResult;
        try {
          result = await this.timedApply(item.changes, this.messageOf(item));
        } catch (err) {
          await this.storeFailed(item.id, err, run, retry);
          continue;
        }
        await this.record([item], result, run);
        if (!result.pullRequest) await this.refreshAll([item]);
      }
      return due.length;
    }
    const message =
      ready.length === 1 ? this.messageOf(ready[0]!) : `Apply ${ready.length} store changes\n\n${ready.map((i) => `- ${this.messageOf(i)}`).join('\n')}`;
    let result: ApplyResult;
    try {
      result = await this.timedApply(
        ready.flatMap((i) => i.changes),
        message,
      );
    } catch (err) {
      throw new CommitBatchError(
        ready.map((i) => i.id),
        err,
      );
    }
    const t2 = performance.now();
    await this.record(ready, result, run);
    const t3 = performance.now();
    run.batches.push(ready.length);
    await this.refreshAll(ready);
    // Where a batch's time goes: claim + secrets + render, push, record, refresh (ms).
    const ms = { prepare: Math.round(t1 - t0), push: Math.round(t2 - t1), record: Math.round(t3 - t2), refresh: Math.round(performance.now() - t3) };
    this.logger.info({ stores: ready.length, sha: result.sha, changed: result.changed, ms }, 'batch committed');
    return due.length;
  }

  private messageOf(i: BatchItem): string {
    return i.removal ? `Delete store ${i.name} (${i.id})` : `Provision store ${i.name} (${i.id})${i.attempt ? `, attempt ${i.attempt + 1}` : ''}`;
  }

  private async timedApply(changes: FileChange[], message: string): Promise<ApplyResult> {
    const end = this.metrics.gitDuration.startTimer();
    try {
      return await this.writer.apply(changes, message);
    } finally {
      end();
    }
  }

  /**
   * Records a push in one short transaction: committed_generation = the generation rendered (never
   * lowered), the sha; the phase moves only if the row is still in the state the pass claimed.
   */
  private async record(items: Array<BatchItem & { claimed: StoreState }>, result: ApplyResult, run: CommitRun): Promise<void> {
    const sorted = [...items].sort((a, b) => a.id.localeCompare(b.id));
    await this.tx.run(async (tx) => {
      for (const item of sorted) {
        const cur = await this.stores.lockById(item.id, tx);
        if (!cur) continue;
        const unchanged = cur.status === item.claimed.status && cur.phase === item.claimed.phase;
        if (item.removal) {
          if (!unchanged) continue;
          await this.stores.markCommitted(cur.id, { sha: result.sha, pullRequest: result.pullRequest, generation: item.generation }, tx);
          await this.stores.transition(
            cur.id,
            {
              status: 'Deleting',
              phase: 'pruning',
              reason: 'RemovedFromGit',
              message: 'Removed from Git; waiting for Argo CD to prune the store and its namespace.',
            },
            tx,
          );
          continue;
        }
        // Deleted meanwhile: its removal commit (next pass) records the store; the folder goes then.
        if (cur.status === 'Deleting') continue;
        await this.stores.markCommitted(cur.id, { sha: result.sha, pullRequest: result.pullRequest, generation: item.generation }, tx);
        if (!unchanged) continue;
        const awaitingReview = this.settings.pullRequests && !!result.pullRequest;
        await this.stores.transition(
          cur.id,
          awaitingReview
            ? { status: 'Pending', phase: 'awaiting review', reason: 'PullRequestOpened', message: `Waiting for review: ${result.pullRequest!.url}` }
            : cur.status === 'Pending'
              ? { status: 'Pending', phase: 'committed', reason: 'Committed', message: `Committed ${result.sha.slice(0, 12)}; waiting for Argo CD.` }
              : // a change to a running store keeps the phase its request set (resizing, say) until the status cycle sees it healthy
                { status: cur.status, phase: cur.phase, reason: 'Committed', message: `Committed ${result.sha.slice(0, 12)}; waiting for Argo CD.` },
          tx,
        );
      }
    });
    for (const item of items) (item.removal ? run.removed : run.committed).push(item.id);
  }

  /** A store failed on its own (render, sealing, its pull request): permanent → failed now; transient → retried. */
  private async storeFailed(id: string, err: unknown, run: CommitRun, retry: Map<string, unknown>): Promise<void> {
    run.failed.push(id);
    if (isTransient(err)) {
      this.logger.warn({ storeId: id, err: (err as Error).message }, 'store not committed; will retry');
      retry.set(id, err);
      return;
    }
    this.logger.error({ storeId: id, err: (err as Error).message }, 'store cannot be committed');
    await this.fail(id, giveUpReason(err), `Provisioning failed: ${(err as Error).message}`);
  }

  /** A job gave up after `err`: the stores it names (or the job's own store) are marked failed / delete failed. */
  async giveUp(storeId: string, err: unknown): Promise<void> {
    const ids = err instanceof CommitBatchError ? err.storeIds : [storeId];
    const cause = err instanceof CommitBatchError && err.cause !== undefined ? err.cause : err;
    const why = (cause as Error)?.message ?? String(cause);
    for (const id of ids) {
      const cur = await this.stores.findById(id);
      if (!cur) continue;
      if (cur.status === 'Deleting') await this.deleteFailed(id, `Removing the store from Git failed: ${why}. Delete it again to retry.`);
      else await this.fail(id, giveUpReason(cause), `Provisioning failed: ${why}`);
    }
  }

  /**
   * Best effort (the commit is in Git regardless): asks Argo CD to look now instead of at its next poll.
   * The root app-of-apps once per batch (it creates new stores' Applications, which sync at once, and
   * prunes removed ones); then the Applications of stores committed before, a few at a time.
   */
  private async refreshAll(items: BatchItem[]): Promise<void> {
    await this.refreshOne(this.settings.rootApplication);
    const names = items.filter((i) => i.known).map((i) => storeResourceName(i.id));
    const workers = Array.from({ length: Math.min(8, names.length) }, async () => {
      for (let name = names.shift(); name !== undefined; name = names.shift()) await this.refreshOne(name);
    });
    await Promise.all(workers);
  }

  private async refreshOne(name: string): Promise<void> {
    await this.cluster
      .refreshApplication(name)
      .catch((err) => this.logger.warn({ err: (err as Error).message, application: name }, 'refresh request failed; Argo CD will poll'));
  }

  /** The delete job gave up: the store stays Deleting, with the reason; deleting it again retries. */
  async deleteFailed(storeId: string, message: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const cur = await this.stores.lockById(storeId, tx);
      if (!cur || !canRemoveFromGit(cur)) return;
      await this.stores.transition(storeId, { status: 'Deleting', phase: 'delete failed', reason: 'DeleteFailed', message }, tx);
    });
  }

  /** Marks a store Error after its job gave up (retries exhausted or a permanent failure). */
  async fail(storeId: string, reason: string, message: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const cur = await this.stores.lockById(storeId, tx);
      if (!cur || !canFail(cur)) return;
      await this.stores.transition(storeId, { status: 'Error', phase: 'failed', reason, message }, tx);
    });
    this.metrics.provisionOutcomes.inc({ outcome: 'failure', reason });
  }
}
