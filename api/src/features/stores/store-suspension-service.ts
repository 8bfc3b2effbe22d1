import type { Actor } from '../../auth/actor.ts';
import type { Transactor } from '../../db/transactor.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors/app-error.ts';
import { JOBS, type JobQueue } from '../../jobs/job-queue.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { canResume, canSuspend, type SuspenderKind } from './store-lifecycle.ts';
import type { StoreRepository } from './store-repository.ts';
import type { StoreService } from './store-service.ts';

/** An owner tried to lift an operator's suspension. */
export class SuspendedByOperatorError extends AppError {
  constructor() {
    super(403, 'suspended_by_operator', 'Forbidden', 'An operator suspended this store; only an operator can resume it. Contact support to have it resumed.');
  }
}

type Deps = {
  stores: StoreRepository;
  /** Who may see (hence act on) a store: its owner or an operator; others get an audited 403. */
  visibility: Pick<StoreService, 'getVisible'>;
  jobs: JobQueue;
  audit: AuditLog;
  tx: Transactor;
};

/**
 * Suspend and resume (issue 14): a change to the store's desired state, committed through the
 * generation contract (lock, rule, bumpGeneration, transition, provision job, in ONE transaction).
 *
 * - The owner hibernates a store and resumes it when they like; the reason is optional.
 * - An operator suspends a store for billing or abuse, with a required reason; the owner cannot lift it
 *   (403 `suspended_by_operator`), an operator can. An operator may take over an owner's hibernation: it
 *   becomes an operator suspension. An operator acting on a store of their own acts as its owner.
 * - Wrong state → 409: suspending a store that is not running (Pending, failed, Deleting, resuming) or
 *   already suspended; resuming one that is not suspended or already resuming.
 */
export class StoreSuspensionService {
  private readonly stores: StoreRepository;
  private readonly visibility: Deps['visibility'];
  private readonly jobs: JobQueue;
  private readonly audit: AuditLog;
  private readonly tx: Transactor;

  constructor(deps: Deps) {
    this.stores = deps.stores;
    this.visibility = deps.visibility;
    this.jobs = deps.jobs;
    this.audit = deps.audit;
    this.tx = deps.tx;
  }

  /** Whose suspension this actor would make of this store. */
  static kindOf(actor: Actor, store: Pick<StoreModel, 'owner_id'>): SuspenderKind {
    return actor.role === 'operator' && store.owner_id !== actor.userId ? 'operator' : 'owner';
  }

  async suspend(actor: Actor, id: string, input: { reason?: string }): Promise<StoreModel> {
    const visible = await this.visibility.getVisible(actor, id, 'suspend');
    const kind = StoreSuspensionService.kindOf(actor, visible);
    const reason = input.reason?.trim() || null;
    if (kind === 'operator' && !reason)
      throw new ValidationError(
        [{ field: 'reason', message: 'Say why the store is suspended (billing, abuse…): its owner is shown the reason.', code: 'reason_required' }],
        'An operator suspension needs a reason.',
      );
    const { store, takeover } = await this.tx.run(async (tx) => {
      const locked = await this.stores.lockById(id, tx);
      if (!locked) throw new NotFoundError('Store not found.');
      if (!canSuspend({ status: locked.status, phase: locked.phase, suspendedByKind: locked.suspended_by_kind }, kind)) {
        if (locked.status === 'Suspended')
          throw new ConflictError(
            'already_suspended',
            locked.phase === 'resuming' ? 'The store is being resumed; suspend it once it is Ready.' : 'The store is already suspended.',
          );
        throw new ConflictError(
          'not_suspendable',
          `Only a running store (Ready, or unhealthy after it was Ready) can be suspended; this one is ${locked.status} (${locked.phase}).`,
        );
      }
      const takeover = locked.status === 'Suspended';
      await this.stores.bumpGeneration(id, tx, {
        suspended_at: takeover && locked.suspended_at ? locked.suspended_at : new Date(),
        suspended_by: actor.userId,
        suspended_by_kind: kind,
        suspension_reason: reason,
      });
      const updated = await this.stores.transition(
        id,
        takeover
          ? // the cluster already holds the paused store: only who holds the suspension changes
            { status: 'Suspended', phase: locked.phase, reason: 'SuspendedByOperator', message: 'An operator took over the suspension.' }
          : {
              status: 'Suspended',
              phase: 'suspending',
              reason: kind === 'operator' ? 'SuspendedByOperator' : 'SuspendRequested',
              message: 'Suspend requested; scaling WordPress and MySQL to zero behind a holding page.',
            },
        tx,
      );
      await this.jobs.enqueue(tx, JOBS.provisionStore, { storeId: id });
      return { store: updated!, takeover };
    });
    await this.audit.record({
      action: 'store.suspended',
      outcome: 'success',
      actor,
      storeId: id,
      resource: `store:${id}`,
      details: { by: kind, reason, ...(takeover ? { takeover: true } : {}) },
    });
    return store;
  }

  async resume(actor: Actor, id: string): Promise<StoreModel> {
    await this.visibility.getVisible(actor, id, 'resume');
    const { store, liftedKind } = await this.tx.run(async (tx) => {
      const locked = await this.stores.lockById(id, tx);
      if (!locked) throw new NotFoundError('Store not found.');
      if (!canResume(locked))
        throw new ConflictError(
          'not_suspended',
          locked.status === 'Suspended' ? 'The store is already being resumed.' : `Only a suspended store can be resumed; this one is ${locked.status}.`,
        );
      if (locked.suspended_by_kind === 'operator' && actor.role !== 'operator') throw new SuspendedByOperatorError();
      await this.stores.bumpGeneration(id, tx, { suspended_at: null, suspended_by: null, suspended_by_kind: null, suspension_reason: null });
      const updated = await this.stores.transition(
        id,
        { status: 'Suspended', phase: 'resuming', reason: 'ResumeRequested', message: 'Resume requested; starting WordPress and MySQL again.' },
        tx,
      );
      await this.jobs.enqueue(tx, JOBS.provisionStore, { storeId: id });
      return { store: updated!, liftedKind: locked.suspended_by_kind };
    });
    await this.audit.record({ action: 'store.resumed', outcome: 'success', actor, storeId: id, resource: `store:${id}`, details: { lifted: liftedKind } });
    return store;
  }
}
