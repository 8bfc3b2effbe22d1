import type { Logger } from 'pino';
import type { Transactor } from '../../db/transactor.ts';
import { renderStore, storeDir, storeResourceName, STORE_SECRET_NAME, type RenderSettings } from '../../../../renderer/src/render-store.ts';
import { sealSecrets } from '../../../../renderer/src/seal.ts';
import type { RepoWriter } from '../../../../gitops/src/git-writer.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { StoreRepository } from '../stores/store-repository.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import { canFail, canProvision, canRemoveFromGit, type StorePhase } from '../stores/store-lifecycle.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import type { ClusterClient } from './cluster-client.ts';
import { generateStoreSecrets } from './store-secrets.ts';
import { toRenderableStore } from './renderable-store.ts';

export type PipelineSettings = {
  render: RenderSettings;
  /** Name of the root app-of-apps (refreshed after each commit so a new store is seen at once). */
  rootApplication: string;
  /** Pull-request mode: commits wait for review ("awaiting review") instead of landing on the branch. */
  pullRequests: boolean;
};

/**
 * The provision and delete steps. Each is a reconcile step, safe to run again at any point:
 * secrets are generated once and persisted before anything uses them; the Git writer is declarative
 * (a change already in the tip makes no new commit); a store already Ready is never provisioned again.
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

  constructor(deps: {
    stores: StoreRepository;
    tx: Transactor;
    writer: RepoWriter;
    cluster: ClusterClient;
    secrets: SecretBox;
    settings: PipelineSettings;
    metrics: PipelineMetrics;
    logger: Logger;
  }) {
    this.stores = deps.stores;
    this.tx = deps.tx;
    this.writer = deps.writer;
    this.cluster = deps.cluster;
    this.secrets = deps.secrets;
    this.settings = deps.settings;
    this.metrics = deps.metrics;
    this.logger = deps.logger.child({ component: 'provision' });
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

  /** Moves a store that is still Pending to another Pending phase (never out of Deleting or Error). */
  private async setPendingPhase(id: string, phase: StorePhase, reason: string, message: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const cur = await this.stores.lockById(id, tx);
      if (!cur || cur.status !== 'Pending' || cur.phase === phase) return;
      await this.stores.transition(id, { status: 'Pending', phase, reason, message }, tx);
    });
  }

  async provision(storeId: string): Promise<'skipped' | 'committed'> {
    const store = await this.stores.findById(storeId);
    // Only Pending stores are provisioned: Ready is never provisioned again (requirement 27.5), Error
    // waits for a retry, Deleting is the delete job's.
    if (!store || !canProvision(store)) return 'skipped';
    const sealed = await this.ensureSecrets(store);
    if (store.phase === 'queued') await this.setPendingPhase(store.id, 'committing', 'Committing', 'Committing the store to Git.');

    // The push happens under the store's row lock: a delete requested meanwhile waits for it, so its
    // removal commit always comes after this commit and can never be undone by it.
    const committed = await this.tx.run(async (tx) => {
      const cur = await this.stores.lockById(store.id, tx);
      if (!cur || !canProvision(cur)) return undefined;
      const files = renderStore(toRenderableStore(cur, sealed), this.settings.render);
      const end = this.metrics.gitDuration.startTimer();
      const result = await this.writer.apply(files, `Provision store ${cur.name} (${cur.id})${cur.attempt ? `, attempt ${cur.attempt + 1}` : ''}`);
      end();
      const awaitingReview = this.settings.pullRequests && !!result.pullRequest;
      await this.stores.markCommitted(cur.id, { sha: result.sha, pullRequest: result.pullRequest, generation: cur.generation }, tx);
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
      return { result, awaitingReview };
    });
    if (!committed) return 'skipped';
    const { result, awaitingReview } = committed;
    this.logger.info({ storeId: store.id, sha: result.sha, changed: result.changed, pullRequest: result.pullRequest?.number }, 'store committed');
    if (!awaitingReview) await this.refresh(store.id);
    return 'committed';
  }

  /** Removes the store's folder from Git; the status cycle removes the record once the cluster is clean. */
  async delete(storeId: string): Promise<'skipped' | 'committed'> {
    const store = await this.stores.findById(storeId);
    if (!store || store.status !== 'Deleting') return 'skipped';
    const end = this.metrics.gitDuration.startTimer();
    const result = await this.writer.apply([{ path: storeDir(store.id), content: null }], `Delete store ${store.name} (${store.id})`);
    end();
    await this.tx.run(async (tx) => {
      await this.stores.markCommitted(store.id, { sha: result.sha, pullRequest: result.pullRequest, generation: store.generation }, tx);
      await this.stores.transition(
        store.id,
        {
          status: 'Deleting',
          phase: 'pruning',
          reason: 'RemovedFromGit',
          message: 'Removed from Git; waiting for Argo CD to prune the store and its namespace.',
        },
        tx,
      );
    });
    await this.refresh(store.id);
    return 'committed';
  }

  /** Best effort: asks Argo CD to look now instead of at its next poll (the commit is in Git regardless). */
  private async refresh(storeId: string): Promise<void> {
    for (const name of [this.settings.rootApplication, storeResourceName(storeId)]) {
      await this.cluster
        .refreshApplication(name)
        .catch((err) => this.logger.warn({ err: (err as Error).message, application: name }, 'refresh request failed; Argo CD will poll'));
    }
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
