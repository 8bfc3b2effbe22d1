import type { Knex } from 'knex';
import { knexOf, type Tx } from '../../db/transactor.ts';
import type { WebhookEventType } from './webhook-events.ts';

export type WebhookEndpointRow = { id: string; user_id: string; url: string; events: string[]; secret_enc: string; created_at: Date };
export type DeliveryState = 'pending' | 'delivering' | 'delivered' | 'failed';
export type AttemptOutcome = 'delivered' | 'retrying' | 'failed';
export type WebhookAttemptRow = {
  delivery_id: string;
  attempt: number;
  outcome: AttemptOutcome;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  at: Date;
};
export type WebhookDeliveryRow = {
  id: string;
  event_id: string;
  type: string;
  store_id: string | null;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
};
/** A delivery claimed by a worker, with what it needs to send it. */
export type ClaimedDelivery = {
  id: string;
  attempt: number;
  created_at: Date;
  endpoint_id: string;
  /** Its chain within the endpoint (the store id, else the event id). */
  ordering_key: string;
  url: string;
  secret_enc: string;
  event_id: string;
  type: string;
  body: string;
};
/** An event to put in the outbox. */
export type WebhookEventInput = { type: WebhookEventType; userId: string; storeId?: string | null; data: Record<string, unknown> };
/** What a finished attempt records: the outcome, and for a retry when to try next. */
export type AttemptResult = {
  outcome: AttemptOutcome;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  nextAttemptAt?: Date;
};

/** Endpoints, the outbox and its delivery log. */
export interface WebhookRepository {
  insertEndpoint(row: { id: string; user_id: string; url: string; events: string[]; secret_enc: string }): Promise<WebhookEndpointRow>;
  /** Newest first. */
  listEndpoints(userId: string): Promise<WebhookEndpointRow[]>;
  findEndpoint(id: string): Promise<WebhookEndpointRow | undefined>;
  /** Removes the endpoint and, with it, its pending deliveries and log. */
  deleteEndpoint(id: string): Promise<boolean>;
  /** The endpoint's newest deliveries (at most `limit`) with their attempts, newest first. */
  listDeliveries(endpointId: string, limit: number): Promise<Array<WebhookDeliveryRow & { log: WebhookAttemptRow[] }>>;
  /** Writes the event and one delivery per endpoint of the user subscribed to it, in the caller's transaction. */
  enqueue(tx: Tx, e: WebhookEventInput): Promise<{ eventId: string; deliveries: number } | undefined>;
  /** Claims up to `limit` due deliveries, each the oldest open one of its endpoint and store, for `lockMs`. */
  claim(limit: number, lockMs: number): Promise<ClaimedDelivery[]>;
  /** Records the attempt of a claim (a no-op when the claim was lost or the endpoint deleted meanwhile). */
  complete(d: ClaimedDelivery, r: AttemptResult): Promise<boolean>;
  /** Forgets deliveries finished more than `olderThanMs` ago (with their attempts) and events left without any; how many deliveries. */
  prune(olderThanMs: number): Promise<number>;
}

const ms = (n: number) => Math.max(0, Math.round(n));
/** The transaction lock of one chain (endpoint + ordering key): taken by whoever adds to it or moves its head on. */
const CHAIN_LOCK = `hashtextextended(endpoint_id::text || '/' || ?, 7346120)`;

/**
 * Writes a webhook event into the outbox in the caller's transaction (Tx): the event row and one
 * delivery per endpoint of `userId` subscribed to `type`; nothing when none is. Other features call
 * this where their event happens (the store lifecycle through the repository's change hook; domain
 * verification for `domain.verified`), so the event is committed with the change or not at all.
 */
export async function enqueueWebhookEvent(tx: Tx, e: WebhookEventInput): Promise<{ eventId: string; deliveries: number } | undefined> {
  const trx = knexOf(tx);
  // KEY SHARE: an endpoint deleted concurrently is skipped (or waits for us), never a foreign-key error
  // that would roll back the store's own change.
  const endpoints = (await trx('webhook_endpoints')
    .select('id')
    .where('user_id', e.userId)
    .whereRaw('? = ANY(events)', [e.type])
    .orderBy('id')
    .forKeyShare()) as Array<{ id: string }>;
  if (endpoints.length === 0) return undefined;
  const ids = endpoints.map((ep) => ep.id);
  const body = JSON.stringify({ type: e.type, timestamp: new Date().toISOString(), data: e.data });
  const [event] = (await trx('webhook_events')
    .insert({ type: e.type, user_id: e.userId, store_id: e.storeId ?? null, body })
    .returning('id')) as Array<{
    id: string;
  }>;
  const key = e.storeId ?? event!.id;
  // The chains' locks (endpoints in id order, so two writers never wait on each other in a cycle), then
  // each delivery is its chain's head when nothing of the chain is still open.
  if (e.storeId) await trx.raw(`SELECT count(pg_advisory_xact_lock(${CHAIN_LOCK})) FROM unnest(?::uuid[]) AS endpoint_id`, [key, ids]);
  await trx.raw(
    `INSERT INTO webhook_deliveries (event_id, endpoint_id, ordering_key, head)
     SELECT ?, ep, ?, NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = ep AND o.ordering_key = ? AND o.state IN ('pending', 'delivering'))
       FROM unnest(?::uuid[]) AS ep`,
    [event!.id, key, key, ids],
  );
  return { eventId: event!.id, deliveries: endpoints.length };
}

/** The WebhookRepository over PostgreSQL. */
export class PgWebhookRepository implements WebhookRepository {
  private readonly knex: Knex;
  constructor(knex: Knex) {
    this.knex = knex;
  }

  async insertEndpoint(row: { id: string; user_id: string; url: string; events: string[]; secret_enc: string }): Promise<WebhookEndpointRow> {
    const [r] = await this.knex('webhook_endpoints').insert(row).returning('*');
    return r as WebhookEndpointRow;
  }

  async listEndpoints(userId: string): Promise<WebhookEndpointRow[]> {
    return this.knex('webhook_endpoints').where('user_id', userId).orderBy('created_at', 'desc').orderBy('id');
  }

  async findEndpoint(id: string): Promise<WebhookEndpointRow | undefined> {
    return this.knex('webhook_endpoints').where('id', id).first();
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    return (await this.knex('webhook_endpoints').where('id', id).delete()) === 1;
  }

  async listDeliveries(endpointId: string, limit: number): Promise<Array<WebhookDeliveryRow & { log: WebhookAttemptRow[] }>> {
    const rows = (await this.knex('webhook_deliveries as d')
      .join('webhook_events as e', 'e.id', 'd.event_id')
      .where('d.endpoint_id', endpointId)
      .orderBy('d.id', 'desc')
      .limit(limit)
      .select(
        'd.id',
        'd.event_id',
        'e.type',
        'e.store_id',
        'd.state',
        'd.attempts',
        'd.next_attempt_at',
        'd.last_status_code',
        'd.last_error',
        'd.created_at',
        'd.completed_at',
      )) as WebhookDeliveryRow[];
    const log = rows.length
      ? ((await this.knex('webhook_delivery_attempts')
          .whereIn(
            'delivery_id',
            rows.map((r) => r.id),
          )
          .orderBy('id', 'desc')
          .select('delivery_id', 'attempt', 'outcome', 'status_code', 'duration_ms', 'error', 'at')) as WebhookAttemptRow[])
      : [];
    return rows.map((r) => ({ ...r, id: String(r.id), log: log.filter((a) => String(a.delivery_id) === String(r.id)) }));
  }

  enqueue(tx: Tx, e: WebhookEventInput) {
    return enqueueWebhookEvent(tx, e);
  }

  async claim(limit: number, lockMs: number): Promise<ClaimedDelivery[]> {
    // One statement: due heads (the oldest open delivery of each endpoint and store) are locked with
    // SKIP LOCKED, so concurrent workers never claim the same one, and marked delivering until
    // `locked_until` (a crashed worker's claim is taken again after it). No connection is held after.
    const { rows } = await this.knex.raw(
      `WITH due AS (
         SELECT d.id FROM webhook_deliveries d
          WHERE d.head AND ((d.state = 'pending' AND d.next_attempt_at <= now()) OR (d.state = 'delivering' AND d.locked_until < now()))
          ORDER BY d.next_attempt_at, d.id
          LIMIT ?
          FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries w
            SET state = 'delivering', attempts = w.attempts + 1, locked_until = now() + (? * interval '1 millisecond')
           FROM due WHERE w.id = due.id
         RETURNING w.id, w.attempts, w.created_at, w.endpoint_id, w.ordering_key, w.event_id
       )
       SELECT c.id::text AS id, c.attempts AS attempt, c.created_at, c.endpoint_id, c.ordering_key, p.url, p.secret_enc, c.event_id, e.type, e.body
         FROM claimed c
         JOIN webhook_endpoints p ON p.id = c.endpoint_id
         JOIN webhook_events e ON e.id = c.event_id
        ORDER BY c.id`,
      [limit, ms(lockMs)],
    );
    return rows as ClaimedDelivery[];
  }

  async prune(olderThanMs: number): Promise<number> {
    const n = await this.knex('webhook_deliveries')
      .whereIn('state', ['delivered', 'failed'])
      .andWhere('completed_at', '<', this.knex.raw(`now() - (? * interval '1 millisecond')`, [ms(olderThanMs)]))
      .delete();
    await this.knex.raw(
      `DELETE FROM webhook_events e WHERE e.created_at < now() - (? * interval '1 millisecond')
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)`,
      [ms(olderThanMs)],
    );
    return n;
  }

  async complete(d: ClaimedDelivery, r: AttemptResult): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      const state: DeliveryState = r.outcome === 'retrying' ? 'pending' : r.outcome;
      const done = state !== 'pending';
      // The chain's lock first: an event added to it meanwhile either sees this one finished (and is the
      // head itself) or is committed before the head moves on to it below.
      if (done) await trx.raw(`SELECT pg_advisory_xact_lock(${CHAIN_LOCK}) FROM (SELECT ?::uuid AS endpoint_id) AS c`, [d.ordering_key, d.endpoint_id]);
      const n = await trx('webhook_deliveries')
        .where({ id: d.id, attempts: d.attempt, state: 'delivering' })
        .update({
          state,
          head: !done,
          locked_until: null,
          last_status_code: r.statusCode,
          last_error: r.error,
          next_attempt_at: r.nextAttemptAt ?? trx.fn.now(),
          completed_at: state === 'pending' ? null : trx.fn.now(),
        });
      if (n !== 1) return false;
      if (done)
        await trx.raw(
          `UPDATE webhook_deliveries SET head = true
            WHERE id = (SELECT id FROM webhook_deliveries
                         WHERE endpoint_id = ? AND ordering_key = ? AND state IN ('pending', 'delivering')
                         ORDER BY id LIMIT 1)`,
          [d.endpoint_id, d.ordering_key],
        );
      await trx('webhook_delivery_attempts').insert({
        delivery_id: d.id,
        endpoint_id: d.endpoint_id,
        attempt: d.attempt,
        outcome: r.outcome,
        status_code: r.statusCode,
        duration_ms: ms(r.durationMs),
        error: r.error,
      });
      return true;
    });
  }
}
