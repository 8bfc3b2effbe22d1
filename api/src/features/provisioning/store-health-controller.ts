import { Router } from 'express';
import { storeResourceName } from '../../../../renderer/src/render-store.ts';
import { actorOf } from '../../auth/actor.ts';
import type { ApiRegistry } from '../../http/api-registry.ts';
import { ServiceUnavailableError } from '../../errors/app-error.ts';
import type { StoreService } from '../stores/store-service.ts';
import { StoreIdParams } from '../stores/store.schema.ts';
import { ClusterUnavailableError, type ClusterClient } from './cluster-client.ts';
import { describePods } from './store-health.ts';
import { StoreHealth } from './store-health.schema.ts';

/** /stores/:id/health: pods read from the cluster (mounted when the platform has a cluster). */
export function storeHealthController({
  stores,
  cluster,
  registry,
  prefix,
}: {
  stores: StoreService;
  cluster: ClusterClient;
  registry: ApiRegistry;
  prefix: string;
}): Router {
  const router = Router();
  const problems = { 403: { description: 'Another user’s store' }, 404: { description: 'No such store' }, 422: { description: 'The id is not a UUID' } };

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/stores/:id/health',
      summary: 'Pod readiness of the store’s WordPress and MySQL, read from the cluster',
      tag: 'stores',
      params: StoreIdParams,
      responses: {
        200: { description: 'healthy when every WordPress and MySQL pod is running and ready', schema: StoreHealth },
        ...problems,
        503: { description: 'The cluster cannot be reached' },
      },
    },
    async ({ params: { id } }, req, res) => {
      await stores.getVisible(actorOf(req), id);
      let pods;
      try {
        pods = await cluster.listPods(storeResourceName(id), 'app.kubernetes.io/component in (wordpress,mysql)');
      } catch (err) {
        if (err instanceof ClusterUnavailableError)
          throw new ServiceUnavailableError('The cluster cannot be reached; the store’s health is unknown right now.');
        throw err;
      }
      const { components, problems: issues } = describePods(pods);
      const missing = ['wordpress', 'mysql'].filter((c) => !components.some((p) => p.component === c));
      const healthy = missing.length === 0 && components.every((c) => c.ready);
      const message = [...missing.map((c) => `no ${c} pod`), ...issues].join('; ');
      res.json({ status: healthy ? 'healthy' : 'unhealthy', components, ...(healthy ? {} : { message }) });
    },
  );

  return router;
}
