import { actorOf } from '../../auth/actor.ts';
import { Router } from 'express';
import { parseOrThrow } from '../../http/validate.ts';
import type { ApiRegistry } from '../../http/api-registry.ts';
import type { StoreService } from '../stores/store-service.ts';
import { StoreIdParams } from '../stores/store.schema.ts';
import type { UsageService } from './usage-service.ts';
import { StoreUsage, UsageQuery } from './usage.schema.ts';

/** /stores/:id/usage: the store's resource use over time, from Prometheus. */
export function usageController({
  stores,
  usage,
  registry,
  prefix,
}: {
  stores: StoreService;
  usage: UsageService;
  registry: ApiRegistry;
  prefix: string;
}): Router {
  const router = Router();
  registry.route(
    router,
    prefix,
    {
      method: 'get',
      path: '/stores/:id/usage',
      summary: 'The store’s CPU, memory, storage and pod restarts over 1h, 24h or 7d, from Prometheus',
      tag: 'stores',
      params: StoreIdParams,
      query: UsageQuery,
      responses: {
        200: { description: '`monitoring: ok` with the series, or `monitoring: not_configured` when the platform has no Prometheus', schema: StoreUsage },
        403: { description: 'Another user’s store' },
        404: { description: 'No such store' },
        422: { description: 'The id is not a UUID, or the range is not 1h, 24h or 7d' },
        503: { description: 'Prometheus cannot be reached or failed the query', headers: { 'Retry-After': 'Seconds before trying again' } },
      },
    },
    async (req, res) => {
      const { id } = parseOrThrow(StoreIdParams, req.params, 'params');
      const { range } = parseOrThrow(UsageQuery, req.query, 'query');
      await stores.getVisible(actorOf(req), id);
      res.json(await usage.forStore(id, range));
    },
  );
  return router;
}
