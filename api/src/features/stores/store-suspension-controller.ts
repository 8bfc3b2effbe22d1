import { Router } from 'express';
import type { ApiRegistry } from '../../http/api-registry.ts';
import { actorOf } from '../../auth/actor.ts';
import { StoreDetail, StoreIdParams } from './store.schema.ts';
import { SuspendStoreBody } from './store-suspension.schema.ts';
import { presentStore } from './store-presenter.ts';
import type { StoreSuspensionService } from './store-suspension-service.ts';

type Deps = { suspensions: StoreSuspensionService; registry: ApiRegistry; prefix: string };

/** POST /stores/:id/suspend and /resume: parse, one service call, present. */
export function storeSuspensionController({ suspensions, registry, prefix }: Deps): Router {
  const router = Router();
  const problems = {
    401: { description: 'Not authenticated' },
    404: { description: 'No such store' },
  };

  registry.endpoint(
    router,
    prefix,
    {
      method: 'post',
      path: '/stores/:id/suspend',
      summary:
        'Suspend a store (asynchronous: Suspended/suspending, then suspended): WordPress and MySQL scaled to zero, data kept, a holding page. The owner hibernates it; an operator suspends it with a reason, and the owner cannot resume it',
      tag: 'stores',
      params: StoreIdParams,
      body: SuspendStoreBody,
      responses: {
        202: { description: 'Suspend accepted: one commit scales the store to zero', schema: StoreDetail },
        403: { description: 'The store belongs to another user' },
        409: { description: '`already_suspended`, or `not_suspendable`: only a running store (Ready, or unhealthy after Ready) can be suspended' },
        422: { description: 'The id is not a UUID, the reason is too long, or `reason_required` (an operator suspension needs a reason)' },
        ...problems,
      },
    },
    async ({ params, body }, req, res) => {
      res.status(202).json(presentStore(await suspensions.suspend(actorOf(req), params.id, body ?? {})));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'post',
      path: '/stores/:id/resume',
      summary: 'Resume a suspended store (asynchronous: Suspended/resuming, then Ready once healthy)',
      tag: 'stores',
      params: StoreIdParams,
      responses: {
        202: { description: 'Resume accepted: one commit starts WordPress and MySQL again', schema: StoreDetail },
        403: { description: 'The store belongs to another user, or `suspended_by_operator`: only an operator can lift an operator suspension' },
        409: { description: '`not_suspended`: the store is not suspended, or is already resuming' },
        422: { description: 'The id is not a UUID' },
        ...problems,
      },
    },
    async ({ params }, req, res) => {
      res.status(202).json(presentStore(await suspensions.resume(actorOf(req), params.id)));
    },
  );

  return router;
}
