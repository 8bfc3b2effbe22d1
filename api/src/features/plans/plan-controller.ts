import { Router } from 'express';
import { actorOf } from '../../auth/actor.ts';
import type { ApiRegistry } from '../../http/api-registry.ts';
import type { Config } from '../../config/config.ts';
import { StoreDetail, StoreIdParams } from '../stores/store.schema.ts';
import { presentStore } from '../stores/store-presenter.ts';
import type { PlanChangeService } from './plan-change-service.ts';
import { ChangePlanBody, PlanList } from './plan.schema.ts';
import { presentPlans } from './plan-presenter.ts';

type Deps = { planChanges: PlanChangeService; config: Pick<Config, 'plans' | 'quotaMode'>; registry: ApiRegistry; prefix: string };

/** GET /plans and PATCH /stores/:id {plan}: parse, one service call, present. */
export function planController({ planChanges, config, registry, prefix }: Deps): Router {
  const router = Router();

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/plans',
      summary: 'The plans a store can have: CPU, memory, volumes, autoscaling and quota of each',
      tag: 'stores',
      responses: { 200: { description: 'Every plan, the default one and what the quota counts', schema: PlanList }, 401: { description: 'Not authenticated' } },
    },
    async (_input, _req, res) => {
      res.json(presentPlans(config.plans, config.quotaMode));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'patch',
      path: '/stores/:id',
      summary: 'Change a store’s plan (asynchronous: 202, phase `resizing` until Argo CD reports the new shape healthy)',
      tag: 'stores',
      params: StoreIdParams,
      body: ChangePlanBody,
      responses: {
        202: { description: 'Accepted: one commit re-renders the store; the store stays Ready (phase `resizing`) and keeps serving', schema: StoreDetail },
        200: { description: 'The store already has this plan: nothing changed, nothing committed', schema: StoreDetail },
        401: { description: 'Not authenticated' },
        403: { description: 'The store belongs to another user' },
        404: { description: 'No such store' },
        409: {
          description:
            '`change_in_flight` (another change is being applied, or the store is not Ready), `store_not_running`, or `quota_exceeded` (a quota in plan units)',
        },
        422: { description: '`unknown_plan`, `volume_shrink` (a volume only grows; the reason names it and both sizes) or `volume_expansion_unsupported`' },
      },
    },
    async ({ params, body }, req, res) => {
      const outcome = await planChanges.changePlan(actorOf(req), params.id, body.plan);
      res.status(outcome.changed ? 202 : 200).json(presentStore(outcome.store));
    },
  );

  return router;
}
