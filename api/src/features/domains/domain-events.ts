import type { Tx } from '../../db/transactor.ts';

/** A domain event, in the shape the webhook outbox takes (`enqueueWebhookEvent(tx, event)`). */
export type DomainEvent = { type: 'domain.verified'; userId: string; storeId: string; data: { domain: string; verifiedAt: string } };

/**
 * Where domain events go, written in the transaction that makes them happen (so an event is sent
 * exactly when its change commits). The ONE call site is DomainService's verification; the composition
 * root wires it (`{ publish: (tx, e) => enqueueWebhookEvent(tx, e) }` once webhooks land).
 */
export interface DomainEvents {
  publish(tx: Tx, event: DomainEvent): Promise<void>;
}

/** Until webhooks exist: events go nowhere. */
export const NO_DOMAIN_EVENTS: DomainEvents = { publish: async () => undefined };
