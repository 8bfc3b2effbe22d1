import type { Tx } from '../../db/transactor.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { StoreChangeSink } from '../stores/store-repository.ts';
import { webhookEventForTransition, type StatusPair, type WebhookEventType } from './webhook-events.ts';
import { enqueueWebhookEvent as enqueueInPostgres, type WebhookEventInput } from './webhook-repository.ts';

/** The store as a webhook receiver sees it: every field named (no column leaks into a payload). */
export function presentWebhookStore(s: StoreModel, previousStatus?: string): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    domain: s.domain,
    status: s.status,
    phase: s.phase,
    message: s.message,
    ...(previousStatus !== undefined ? { previousStatus } : {}),
    ...(s.status === 'Ready' ? { url: `https://${s.domain}` } : {}),
    updatedAt: s.updated_at ? new Date(s.updated_at).toISOString() : null,
  };
}

type Enqueue = (tx: Tx, e: WebhookEventInput) => Promise<unknown>;

/**
 * The store lifecycle's webhook events, raised from the repository's change hook in the transaction that
 * writes the change: entering Ready, Error or Suspended, a resume, and the record's removal.
 */
export class WebhookOutbox implements StoreChangeSink {
  private readonly enqueue: Enqueue;
  constructor(enqueue: Enqueue = enqueueInPostgres) {
    this.enqueue = enqueue;
  }

  async transitioned(tx: Tx, before: StatusPair | undefined, store: StoreModel): Promise<void> {
    const type = webhookEventForTransition(before, store);
    if (type) await this.raise(tx, type, store, before?.status);
  }

  async removed(tx: Tx, store: StoreModel): Promise<void> {
    await this.raise(tx, 'store.deleted', store, store.status);
  }

  private async raise(tx: Tx, type: WebhookEventType, store: StoreModel, previousStatus?: string): Promise<void> {
    // store.deleted carries the record as it was last (Deleting, pruning): the event type says it is gone.
    await this.enqueue(tx, { type, userId: store.owner_id, storeId: store.id, data: { store: presentWebhookStore(store, previousStatus) } });
  }
}
