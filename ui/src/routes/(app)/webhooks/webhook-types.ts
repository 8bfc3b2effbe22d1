/** The webhooks API's answers, typed from its zod schemas (see ../../../lib/types.ts for why). */
import type { z } from 'zod';
import type { WebhookDelivery as DeliverySchema, WebhookEndpoint as EndpointSchema } from '../../../../../api/src/features/webhooks/webhook.schema.ts';
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../../../../api/src/features/webhooks/webhook-events.ts';

export type WebhookEndpoint = z.infer<typeof EndpointSchema>;
export type WebhookDelivery = z.infer<typeof DeliverySchema>;

/** What each event means, in the owner's words. */
export const EVENT_WORDS: Record<import('../../../../../api/src/features/webhooks/webhook-events.ts').WebhookEventType, string> = {
  'store.ready': 'a store is up and running',
  'store.error': 'a store fails or breaks',
  'store.suspended': 'a store is paused',
  'store.resumed': 'a paused store runs again',
  'store.deleted': 'a store is deleted',
  'domain.verified': 'a custom domain is verified',
};
