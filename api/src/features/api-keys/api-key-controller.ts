import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '../../http/validate.ts';
import { ApiKey, ApiKeyIdParams, CreateApiKeyBody } from './api-key.schema.ts';
import { actorOf } from '../../auth/actor.ts';
import type { ApiRegistry } from '../../http/api-registry.ts';
import type { ApiKeyService } from './api-key-service.ts';
import type { ApiKeyModel } from '../../db/models/api-key-model.ts';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function presentApiKey(k: ApiKeyModel): z.infer<typeof ApiKey> {
  return { id: k.id, name: k.name, prefix: k.prefix, createdAt: iso(k.created_at)!, lastUsedAt: iso(k.last_used_at), revokedAt: iso(k.revoked_at) };
}

/** /api-keys: create (the key is shown once), list, revoke. */
export function apiKeyController({ apiKeys, registry, prefix }: { apiKeys: ApiKeyService; registry: ApiRegistry; prefix: string }): Router {
  const router = Router();
  registry.route(
    router,
    prefix,
    {
      method: 'post',
      path: '/api-keys',
      summary: 'Create an API key (the key is in this response only)',
      tag: 'api-keys',
      body: CreateApiKeyBody,
      responses: { 201: { description: 'The key, shown once', schema: ApiKey.extend({ key: z.string() }) }, 422: { description: 'Validation failed' } },
    },
    async (req, res) => {
      const { name } = parseOrThrow(CreateApiKeyBody, req.body ?? {}, 'body');
      const { apiKey, key } = await apiKeys.create(actorOf(req), name);
      res.status(201).json({ ...presentApiKey(apiKey), key });
    },
  );
  registry.route(
    router,
    prefix,
    {
      method: 'get',
      path: '/api-keys',
      summary: 'List your API keys (prefixes only)',
      tag: 'api-keys',
      responses: { 200: { description: 'Your keys', schema: z.object({ items: z.array(ApiKey) }) } },
    },
    async (req, res) => {
      res.json({ items: (await apiKeys.list(actorOf(req))).map(presentApiKey) });
    },
  );
  registry.route(
    router,
    prefix,
    {
      method: 'delete',
      path: '/api-keys/:id',
      summary: 'Revoke an API key',
      tag: 'api-keys',
      params: ApiKeyIdParams,
      responses: {
        204: { description: 'Revoked' },
        403: { description: 'Another user’s key' },
        404: { description: 'No such key' },
        422: { description: 'The id is not a UUID' },
      },
    },
    async (req, res) => {
      const { id } = parseOrThrow(ApiKeyIdParams, req.params, 'params');
      await apiKeys.revoke(actorOf(req), id);
      res.status(204).end();
    },
  );
  return router;
}
