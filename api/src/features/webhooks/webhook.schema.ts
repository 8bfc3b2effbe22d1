import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from './webhook-events.ts';

const MAX_URL_LENGTH = 2048;

/** An http(s) URL without credentials, at most 2,048 characters. */
const WebhookUrl = z
  .string('Give the URL to send events to.')
  .trim()
  .min(1, 'Give the URL to send events to.')
  .max(MAX_URL_LENGTH, `A webhook URL is at most ${MAX_URL_LENGTH} characters.`)
  .superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Not a URL: give an absolute https:// or http:// URL.', params: { code: 'invalid_url' } });
      return;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      ctx.addIssue({ code: 'custom', message: 'A webhook URL starts with https:// or http://.', params: { code: 'invalid_scheme' } });
    if (u.username || u.password)
      ctx.addIssue({
        code: 'custom',
        message: 'A webhook URL must not carry a user name or password: verify the signature instead.',
        params: { code: 'credentials_in_url' },
      });
    if (!u.hostname) ctx.addIssue({ code: 'custom', message: 'A webhook URL needs a host.', params: { code: 'invalid_url' } });
  });

export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES, `One of ${WEBHOOK_EVENT_TYPES.join(', ')}.`);

export const CreateWebhookBody = z.strictObject({
  /** Where events are POSTed (https://, or http://); its host must resolve to a public address unless the operator allows private networks. */
  url: WebhookUrl,
  /** The events this endpoint receives (at least one). */
  events: z.array(WebhookEventTypeSchema, 'A list of event types.').min(1, 'Choose at least one event.').max(WEBHOOK_EVENT_TYPES.length),
});

export const WebhookIdParams = z.strictObject({ id: z.uuid('A webhook id is a UUID.') });

export const WebhookEndpoint = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(WebhookEventTypeSchema),
  createdAt: z.string(),
});

export const CreatedWebhookEndpoint = WebhookEndpoint.extend({
  /** The signing secret (`whsec_…`), shown in this response only. */
  secret: z.string(),
});

export const WebhookAttempt = z.object({
  attempt: z.number().int(),
  outcome: z.enum(['delivered', 'retrying', 'failed']),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  at: z.string(),
});

export const WebhookDelivery = z.object({
  id: z.string(),
  /** The `webhook-id` header of every attempt is `msg_<eventId>`. */
  eventId: z.uuid(),
  type: WebhookEventTypeSchema,
  storeId: z.uuid().nullable(),
  state: z.enum(['pending', 'delivering', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  /** Every attempt, newest first. */
  log: z.array(WebhookAttempt),
});
