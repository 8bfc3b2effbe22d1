import type { z } from 'zod';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from './webhook-repository.ts';
import type { WebhookDelivery, WebhookEndpoint } from './webhook.schema.ts';
import type { WebhookEventType } from './webhook-events.ts';

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** An endpoint, every field named: the sealed secret never leaves. */
export function presentWebhookEndpoint(e: WebhookEndpointRow): z.infer<typeof WebhookEndpoint> {
  return { id: e.id, url: e.url, events: e.events as WebhookEventType[], createdAt: iso(e.created_at)! };
}

export function presentWebhookDelivery(d: WebhookDeliveryRow & { log: WebhookAttemptRow[] }): z.infer<typeof WebhookDelivery> {
  return {
    id: String(d.id),
    eventId: d.event_id,
    type: d.type as WebhookEventType,
    storeId: d.store_id,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? iso(d.next_attempt_at) : null,
    lastStatusCode: d.last_status_code,
    lastError: d.last_error,
    createdAt: iso(d.created_at)!,
    completedAt: iso(d.completed_at),
    log: d.log.map((a) => ({
      attempt: a.attempt,
      outcome: a.outcome,
      statusCode: a.status_code,
      durationMs: a.duration_ms,
      error: a.error,
      at: iso(a.at)!,
    })),
  };
}
