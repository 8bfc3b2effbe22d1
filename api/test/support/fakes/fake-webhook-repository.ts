import { randomUUID } from 'node:crypto';
import type { Tx } from '../../../src/db/transactor.ts';
import type {
  AttemptResult,
  ClaimedDelivery,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookEventInput,
  WebhookRepository,
} from '../../../src/features/webhooks/webhook-repository.ts';

/** WebhookRepository in memory: endpoints, the outbox and its log, with PgWebhookRepository's ordering rule. */
export class FakeWebhookRepository implements WebhookRepository {
  readonly endpoints = new Map<string, WebhookEndpointRow>();
  readonly events: Array<{ id: string; type: string; user_id: string; store_id: string | null; body: string }> = [];
  readonly deliveries: Array<WebhookDeliveryRow & { endpoint_id: string; ordering_key: string; locked_until: Date | null }> = [];
  readonly attempts: Array<WebhookAttemptRow & { endpoint_id: string }> = [];
  #id = 0;

  async insertEndpoint(row: { id: string; user_id: string; url: string; events: string[]; secret_enc: string }) {
    const r = { ...row, events: [...row.events], created_at: new Date() };
    this.endpoints.set(r.id, r);
    return { ...r };
  }
  async listEndpoints(userId: string) {
    return [...this.endpoints.values()].filter((e) => e.user_id === userId).reverse();
  }
  async findEndpoint(id: string) {
    const e = this.endpoints.get(id);
    return e && { ...e };
  }
  async deleteEndpoint(id: string) {
    for (let i = this.deliveries.length - 1; i >= 0; i--) if (this.deliveries[i]!.endpoint_id === id) this.deliveries.splice(i, 1);
    return this.endpoints.delete(id);
  }
  async listDeliveries(endpointId: string, limit: number) {
    return this.deliveries
      .filter((d) => d.endpoint_id === endpointId)
      .reverse()
      .slice(0, limit)
      .map((d) => ({ ...d, log: this.attempts.filter((a) => a.delivery_id === d.id).reverse() }));
  }
  async enqueue(_tx: Tx, e: WebhookEventInput) {
    const subscribed = [...this.endpoints.values()].filter((p) => p.user_id === e.userId && p.events.includes(e.type));
    if (!subscribed.length) return undefined;
    const id = randomUUID();
    this.events.push({
      id,
      type: e.type,
      user_id: e.userId,
      store_id: e.storeId ?? null,
      body: JSON.stringify({ type: e.type, timestamp: new Date().toISOString(), data: e.data }),
    });
    for (const p of subscribed)
      this.deliveries.push({
        id: String(++this.#id),
        event_id: id,
        type: e.type,
        store_id: e.storeId ?? null,
        endpoint_id: p.id,
        ordering_key: e.storeId ?? id,
        state: 'pending',
        attempts: 0,
        next_attempt_at: new Date(0),
        locked_until: null,
        last_status_code: null,
        last_error: null,
        created_at: new Date(),
        completed_at: null,
      });
    return { eventId: id, deliveries: subscribed.length };
  }
  async claim(limit: number, lockMs: number): Promise<ClaimedDelivery[]> {
    const now = Date.now();
    const open = (d: (typeof this.deliveries)[number]) => d.state === 'pending' || d.state === 'delivering';
    const due = this.deliveries.filter(
      (d) =>
        ((d.state === 'pending' && d.next_attempt_at.getTime() <= now) || (d.state === 'delivering' && d.locked_until!.getTime() < now)) &&
        !this.deliveries.some((o) => o.endpoint_id === d.endpoint_id && o.ordering_key === d.ordering_key && Number(o.id) < Number(d.id) && open(o)),
    );
    return due.slice(0, limit).map((d) => {
      d.state = 'delivering';
      d.attempts += 1;
      d.locked_until = new Date(now + lockMs);
      const p = this.endpoints.get(d.endpoint_id)!;
      const ev = this.events.find((e) => e.id === d.event_id)!;
      return {
        id: d.id,
        attempt: d.attempts,
        created_at: d.created_at,
        endpoint_id: p.id,
        ordering_key: d.ordering_key,
        url: p.url,
        secret_enc: p.secret_enc,
        event_id: ev.id,
        type: ev.type,
        body: ev.body,
      };
    });
  }
  async prune(olderThanMs: number) {
    const cut = Date.now() - olderThanMs;
    const old = this.deliveries.filter((d) => d.completed_at && d.completed_at.getTime() < cut);
    for (const d of old) this.deliveries.splice(this.deliveries.indexOf(d), 1);
    return old.length;
  }
  async complete(c: ClaimedDelivery, r: AttemptResult) {
    const d = this.deliveries.find((x) => x.id === c.id && x.attempts === c.attempt && x.state === 'delivering');
    if (!d) return false;
    d.state = r.outcome === 'retrying' ? 'pending' : r.outcome;
    d.locked_until = null;
    d.last_status_code = r.statusCode;
    d.last_error = r.error;
    d.next_attempt_at = r.nextAttemptAt ?? new Date();
    d.completed_at = d.state === 'pending' ? null : new Date();
    this.attempts.push({
      delivery_id: d.id,
      endpoint_id: d.endpoint_id,
      attempt: c.attempt,
      outcome: r.outcome,
      status_code: r.statusCode,
      duration_ms: Math.round(r.durationMs),
      error: r.error,
      at: new Date(),
    });
    return true;
  }
}
