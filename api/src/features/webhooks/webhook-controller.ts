import { Router } from 'express';
import { z } from 'zod';
import type { ApiRegistry } from '../../http/api-registry.ts';
import { actorOf } from '../../auth/actor.ts';
import type { WebhookService } from './webhook-service.ts';
import { CreatedWebhookEndpoint, CreateWebhookBody, WebhookDelivery, WebhookEndpoint, WebhookIdParams } from './webhook.schema.ts';
import { presentWebhookDelivery, presentWebhookEndpoint } from './webhook-presenter.ts';

/** /webhooks: register (the secret is shown once), list, read, remove, and the delivery log. */
export function webhookController({ webhooks, registry, prefix }: { webhooks: WebhookService; registry: ApiRegistry; prefix: string }): Router {
  const router = Router();
  const notYours = {
    401: { description: 'Not authenticated' },
    404: { description: 'No such endpoint (or another user’s)' },
    422: { description: 'The id is not a UUID' },
  };

  registry.endpoint(
    router,
    prefix,
    {
      method: 'post',
      path: '/webhooks',
      summary: 'Register a webhook endpoint (the signing secret is in this response only)',
      tag: 'webhooks',
      body: CreateWebhookBody,
      responses: {
        201: { description: 'The endpoint and its signing secret, shown once', schema: CreatedWebhookEndpoint, headers: { Location: 'URL of the endpoint' } },
        401: { description: 'Not authenticated' },
        422: {
          description:
            'Validation failed: a field error names the reason (`invalid_url`, `credentials_in_url`, `forbidden_address` for loopback/private/link-local/… addresses, `unresolvable`)',
        },
      },
    },
    async ({ body }, req, res) => {
      const { endpoint, secret } = await webhooks.create(actorOf(req), body);
      res.location(`${prefix}/webhooks/${endpoint.id}`);
      res.status(201).json({ ...presentWebhookEndpoint(endpoint), secret });
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/webhooks',
      summary: 'List your webhook endpoints',
      tag: 'webhooks',
      responses: {
        200: { description: 'Your endpoints, newest first', schema: z.object({ items: z.array(WebhookEndpoint) }) },
        401: { description: 'Not authenticated' },
      },
    },
    async (_input, req, res) => {
      res.json({ items: (await webhooks.list(actorOf(req))).map(presentWebhookEndpoint) });
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/webhooks/:id',
      summary: 'Read one webhook endpoint',
      tag: 'webhooks',
      params: WebhookIdParams,
      responses: { 200: { description: 'The endpoint', schema: WebhookEndpoint }, ...notYours },
    },
    async ({ params }, req, res) => {
      res.json(presentWebhookEndpoint(await webhooks.get(actorOf(req), params.id)));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'delete',
      path: '/webhooks/:id',
      summary: 'Remove a webhook endpoint (its pending deliveries are dropped)',
      tag: 'webhooks',
      params: WebhookIdParams,
      responses: { 204: { description: 'Removed' }, ...notYours },
    },
    async ({ params }, req, res) => {
      await webhooks.delete(actorOf(req), params.id);
      res.status(204).end();
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/webhooks/:id/deliveries',
      summary: 'The endpoint’s recent deliveries and every attempt (status code, duration, error)',
      tag: 'webhooks',
      params: WebhookIdParams,
      responses: { 200: { description: 'The newest 50 deliveries, newest first', schema: z.object({ items: z.array(WebhookDelivery) }) }, ...notYours },
    },
    async ({ params }, req, res) => {
      res.json({ items: (await webhooks.deliveries(actorOf(req), params.id)).map(presentWebhookDelivery) });
    },
  );
  return router;
}
