import type { Actor } from '../../auth/actor.ts';
import type { Config } from '../../config/config.ts';
import type { Transactor, Tx } from '../../db/transactor.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-error.ts';
import { JOBS, type JobQueue } from '../../jobs/job-queue.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { UserRepository } from '../users/user-repository.ts';
import type { StoreRepository } from '../stores/store-repository.ts';
import type { StoreService } from '../stores/store-service.ts';
import { canChangePlan, isAheadOfGit, isRunning } from '../stores/store-lifecycle.ts';
import { VOLUMES, type Plan } from './plan-catalog.ts';
import { parseQuantity } from './quantity.ts';
import { quotaAmount, quotaUsed, quotaWeight } from './store-quota.ts';

/** What a plan change did: `changed` false when the store already had (or is moving to) that plan. */
export type PlanChangeOutcome = { store: StoreModel; changed: boolean; from: string };

type Deps = {
  stores: StoreRepository;
  users: UserRepository;
  /** Who may see (and so change) a store: its owner or an operator. */
  visibility: Pick<StoreService, 'getVisible'>;
  jobs: JobQueue;
  audit: AuditLog;
  tx: Transactor;
  config: Pick<Config, 'plans' | 'quotaMode' | 'defaultStoreQuota'>;
};

/**
 * PATCH /stores/:id {plan}: the rules a user expects of a resize, then ONE transaction that records the
 * new plan, bumps the generation (the committer re-renders the store's values in one commit), moves the
 * store to Ready/resizing and enqueues the commit (the generation contract of store-lifecycle.ts).
 * - the same plan again: nothing happens (200, no commit);
 * - another change in flight (not Ready/ready, or Git behind the row) or the store not running: 409;
 * - a volume would shrink, or grow on a StorageClass that cannot expand: 422 naming the volume and sizes;
 * - a quota counted in plan units would be exceeded: 409 `quota_exceeded`.
 */
export class PlanChangeService {
  private readonly d: Deps;

  constructor(deps: Deps) {
    this.d = deps;
  }

  async changePlan(actor: Actor, id: string, planName: string): Promise<PlanChangeOutcome> {
    const { plans } = this.d.config;
    const to = plans.find(planName);
    if (!to) {
      const message = `There is no plan "${planName}"; choose one of ${plans
        .list()
        .map((p) => p.name)
        .join(', ')}.`;
      throw new ValidationError([{ field: 'plan', message, code: 'unknown_plan' }], message);
    }
    await this.d.visibility.getVisible(actor, id, 'change_plan');
    const outcome = await this.d.tx.run(async (tx): Promise<PlanChangeOutcome> => {
      const locked = await this.d.stores.lockById(id, tx);
      if (!locked) throw new NotFoundError('Store not found.');
      if (locked.plan === to.name) return { store: locked, changed: false, from: locked.plan };
      PlanChangeService.assertSettled(locked);
      const from = plans.find(locked.plan);
      if (!from) throw new ConflictError('unknown_current_plan', `The store's plan "${locked.plan}" is no longer offered; ask an operator to move it.`);
      this.assertVolumesMayBecome(from, to);
      if (this.d.config.quotaMode === 'units') await this.assertUnitsQuota(locked, from, to, tx);
      await this.d.stores.bumpGeneration(id, tx, { plan: to.name });
      const store = await this.d.stores.transition(
        id,
        {
          status: 'Ready',
          phase: 'resizing',
          reason: 'PlanChangeRequested',
          message: `Changing the plan from ${from.name} to ${to.name}; the store keeps serving.`,
        },
        tx,
      );
      await this.d.jobs.enqueue(tx, JOBS.provisionStore, { storeId: id });
      return { store: store!, changed: true, from: from.name };
    });
    if (outcome.changed)
      await this.d.audit.record({
        action: 'store.plan_changed',
        outcome: 'success',
        actor,
        storeId: id,
        resource: `store:${id}`,
        details: { from: outcome.from, to: to.name },
      });
    return outcome;
  }

  /** 409 unless the store runs, is settled and Git holds its latest desired state. */
  private static assertSettled(s: StoreModel): void {
    if (canChangePlan(s)) return;
    if (!isRunning(s)) throw new ConflictError('store_not_running', `The plan of a store can be changed once it runs; this one is ${s.status} (${s.phase}).`);
    if (s.phase === 'resizing' || isAheadOfGit(s))
      throw new ConflictError('change_in_flight', 'Another change to this store is still being applied; try again once it is Ready.');
    throw new ConflictError('change_in_flight', `The plan can be changed while the store is Ready; it is ${s.status} (${s.phase}).`);
  }

  /** A volume only grows, and grows only on a StorageClass that allows expansion. */
  private assertVolumesMayBecome(from: Plan, to: Plan): void {
    for (const c of ['wordpress', 'mysql'] as const) {
      const was = parseQuantity(from[c].storage);
      const will = parseQuantity(to[c].storage);
      if (will < was) {
        const message = `The ${VOLUMES[c]} volume is ${from[c].storage} on the ${from.name} plan and cannot shrink to ${to[c].storage} on ${to.name}: a volume only grows.`;
        throw new ValidationError([{ field: 'plan', message, code: 'volume_shrink' }], message);
      }
      if (will > was && !this.d.config.plans.storage.allowVolumeExpansion) {
        const message = `The ${VOLUMES[c]} volume would grow from ${from[c].storage} to ${to[c].storage}, but the platform's StorageClass does not allow volume expansion (plans file: storage.allowVolumeExpansion).`;
        throw new ValidationError([{ field: 'plan', message, code: 'volume_expansion_unsupported' }], message);
      }
    }
  }

  /** With a quota in plan units, the owner's stores after the change must fit it (the owner's row is locked, as creates do). */
  private async assertUnitsQuota(store: StoreModel, from: Plan, to: Plan, tx: Tx): Promise<void> {
    const { plans, quotaMode } = this.d.config;
    const owner = await this.d.users.lockById(store.owner_id, tx);
    const limit = owner?.store_quota ?? this.d.config.defaultStoreQuota;
    const used = quotaUsed(quotaMode, plans, await this.d.stores.plansByOwner(store.owner_id, tx));
    const after = used - quotaWeight(quotaMode, plans, from.name) + quotaWeight(quotaMode, plans, to.name);
    if (after > limit)
      throw new ConflictError(
        'quota_exceeded',
        `The ${to.name} plan counts ${quotaAmount(quotaMode, to.units)}: the owner's stores would use ${after} of ${quotaAmount(quotaMode, limit)}.`,
      );
  }
}
