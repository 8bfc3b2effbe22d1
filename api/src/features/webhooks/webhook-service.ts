import { randomUUID } from 'node:crypto';
import type { Actor } from '../../auth/actor.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { NotFoundError, ValidationError } from '../../errors/app-error.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { WebhookAddressRefused, type WebhookAddressPolicy } from './webhook-address-policy.ts';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow, WebhookRepository } from './webhook-repository.ts';
import { generateWebhookSecret } from './webhook-signature.ts';
import type { WebhookEventType } from './webhook-events.ts';

/** The additional data an endpoint's sealed secret is bound to (a blob moved to another endpoint does not open). */
export const secretContext = (endpointId: string) => `webhook:${endpointId}`;

/** A URL as the audit trail and logs keep it: without its query string or fragment (they may carry a token). */
const redacted = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search || u.hash ? '?…' : ''}`;
};

/** Deliveries shown in an endpoint's log. */
export const DELIVERY_LOG_LIMIT = 50;

/** Registers, lists and removes a user's webhook endpoints. Another user's endpoint is not found (404). */
export class WebhookService {
  private readonly repo: WebhookRepository;
  private readonly secrets: SecretBox;
  private readonly policy: WebhookAddressPolicy;
  private readonly audit: AuditLog;

  constructor(deps: { repo: WebhookRepository; secrets: SecretBox; policy: WebhookAddressPolicy; audit: AuditLog }) {
    this.repo = deps.repo;
    this.secrets = deps.secrets;
    this.policy = deps.policy;
    this.audit = deps.audit;
  }

  /** A new endpoint and its signing secret (returned here only; kept sealed at rest). */
  async create(actor: Actor, input: { url: string; events: WebhookEventType[] }): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    try {
      await this.policy.check(new URL(input.url));
    } catch (err) {
      if (err instanceof WebhookAddressRefused) throw new ValidationError([{ field: 'url', message: err.message, code: err.code }], err.message);
      throw err;
    }
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const endpoint = await this.repo.insertEndpoint({
      id,
      user_id: actor.userId,
      url: input.url,
      events: [...new Set(input.events)],
      secret_enc: this.secrets.seal(secret, secretContext(id)),
    });
    await this.audit.record({
      action: 'webhook.create',
      outcome: 'success',
      actor,
      resource: `webhook:${id}`,
      details: { url: redacted(input.url), events: endpoint.events },
    });
    return { endpoint, secret };
  }

  list(actor: Actor): Promise<WebhookEndpointRow[]> {
    return this.repo.listEndpoints(actor.userId);
  }

  async get(actor: Actor, id: string): Promise<WebhookEndpointRow> {
    const endpoint = await this.repo.findEndpoint(id);
    // Another user's endpoint is answered like a missing one: its existence is not disclosed.
    if (!endpoint || endpoint.user_id !== actor.userId) throw new NotFoundError('Webhook endpoint not found.');
    return endpoint;
  }

  /** Removes the endpoint; its pending deliveries go with it (nothing more is sent). */
  async delete(actor: Actor, id: string): Promise<void> {
    const endpoint = await this.get(actor, id);
    await this.repo.deleteEndpoint(endpoint.id);
    await this.audit.record({ action: 'webhook.delete', outcome: 'success', actor, resource: `webhook:${id}`, details: { url: redacted(endpoint.url) } });
  }

  async deliveries(actor: Actor, id: string): Promise<Array<WebhookDeliveryRow & { log: WebhookAttemptRow[] }>> {
    const endpoint = await this.get(actor, id);
    return this.repo.listDeliveries(endpoint.id, DELIVERY_LOG_LIMIT);
  }
}
