import { createHash } from 'node:crypto';
import type { Config } from '../../config/config.ts';
import { ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, RateLimitedError, ValidationError } from '../../errors/app-error.ts';
import type { Actor } from '../../auth/actor.ts';
import type { Transactor } from '../../db/transactor.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { UserRepository } from '../users/user-repository.ts';
import { nameAndDomainProblems } from './domain-policy.ts';
import { JOBS, type JobQueue } from '../../jobs/job-queue.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { StoreEventModel } from '../../db/models/store-event-model.ts';
import { rateLimitHeaders, type CreateRateLimit, type RateLimitDecision } from '../../rate-limit/create-rate-limit.ts';
import type { StoreRepository } from './store-repository.ts';
import type { CreateStoreInput } from './store.schema.ts';
import { canRequestDelete, canRetry } from './store-lifecycle.ts';

/** A create request after defaults: what replays are compared on. */
export type NormalizedCreate = { name: string; domain: string };

/** What a create did: made a new store (with the allowance left), or found the one this request repeats. */
export type CreateOutcome = { store: StoreModel; replayed: false; rateLimit: RateLimitDecision } | { store: StoreModel; replayed: true };

type Deps = {
  stores: StoreRepository;
  users: UserRepository;
  jobs: JobQueue;
  audit: AuditLog;
  tx: Transactor;
  rateLimit: CreateRateLimit;
  config: Pick<Config, 'baseDomain' | 'defaultStoreQuota' | 'reservedNames'>;
};

/**
 * The store rules: replay detection, rate limit, quota (race-free), domain uniqueness, the state machine
 * (store-lifecycle.ts) and ownership. Creating, retrying and deleting write the row change, its timeline
 * event and the job in ONE transaction.
 */
export class StoreService {
  private readonly stores: StoreRepository;
  private readonly users: UserRepository;
  private readonly jobs: JobQueue;
  private readonly audit: AuditLog;
  private readonly tx: Transactor;
  private readonly rateLimit: CreateRateLimit;
  private readonly config: Deps['config'];

  constructor(deps: Deps) {
    this.stores = deps.stores;
    this.users = deps.users;
    this.jobs = deps.jobs;
    this.audit = deps.audit;
    this.tx = deps.tx;
    this.rateLimit = deps.rateLimit;
    this.config = deps.config;
  }

  /**
   * POST /stores, the whole use case: normalize → replay (answered at once: never rate-limited, never
   * counted) → rate limit → quota, twin, domain and insert + job in one transaction. The allowance is
   * given back when the create fails after taking it.
   */
  async create(actor: Actor, input: CreateStoreInput, idempotencyKey?: string): Promise<CreateOutcome> {
    const n = this.normalize(input);
    const replay = await this.findReplay(actor, n, idempotencyKey);
    if (replay) return { store: replay, replayed: true };
    const decision = await this.rateLimit.take(actor.userId);
    if (!decision.allowed) throw new RateLimitedError(decision.resetInS, rateLimitHeaders(decision));
    let result: { store: StoreModel; replayed: boolean };
    try {
      result = await this.insertWithJob(actor, n, idempotencyKey);
    } catch (err) {
      await this.rateLimit.giveBack(actor.userId);
      throw err;
    }
    if (result.replayed) {
      await this.rateLimit.giveBack(actor.userId);
      return { store: result.store, replayed: true };
    }
    return { store: result.store, replayed: false, rateLimit: decision };
  }

  private normalize(input: CreateStoreInput): NormalizedCreate {
    const refused = nameAndDomainProblems(input, this.config);
    if (refused.length) throw new ValidationError(refused, refused.map((p) => p.message).join(' '));
    return { name: input.name, domain: input.domain ?? `${input.name.toLowerCase()}.${this.config.baseDomain}` };
  }

  private static requestHash(n: NormalizedCreate): string {
    return createHash('sha256')
      .update(JSON.stringify([n.name.toLowerCase(), n.domain]))
      .digest('hex');
  }

  /**
   * The existing store when this request repeats an earlier one (same Idempotency-Key, or same owner +
   * name + domain); undefined for a new request. Same name with another domain, or a key reused for
   * another body, is a 409.
   */
  private async findReplay(actor: Actor, n: NormalizedCreate, idempotencyKey?: string): Promise<StoreModel | undefined> {
    if (idempotencyKey) {
      const saved = await this.stores.findIdempotencyKey(actor.userId, idempotencyKey);
      if (saved) {
        if (saved.request_hash !== StoreService.requestHash(n))
          throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with a different request.');
        const store = await this.stores.findById(saved.store_id);
        if (store) return store;
      }
    }
    return StoreService.sameRequestOrConflict(await this.stores.findByOwnerAndName(actor.userId, n.name), n);
  }

  /** Inserts a Pending store and its provision job; `replayed` when a concurrent twin won the race. */
  private insertWithJob(actor: Actor, n: NormalizedCreate, idempotencyKey: string | undefined): Promise<{ store: StoreModel; replayed: boolean }> {
    return this.tx.run(async (tx) => {
      // Locking the owner's row serialises this user's creates: the count below cannot go stale.
      const owner = await this.users.lockById(actor.userId, tx);
      if (!owner) throw new NotFoundError('User not found.');
      // A concurrent twin of this request may have committed since the replay check.
      const twin = StoreService.sameRequestOrConflict(await this.stores.findByOwnerAndName(actor.userId, n.name, tx), n);
      if (twin) return { store: twin, replayed: true };
      const limit = owner.store_quota ?? this.config.defaultStoreQuota;
      if ((await this.stores.countByOwner(actor.userId, tx)) >= limit) throw new QuotaExceededError(limit);
      if (await this.stores.findByDomain(n.domain, tx)) throw StoreService.domainTaken(n.domain);
      const store = await this.stores.insert({ owner_id: actor.userId, name: n.name, domain: n.domain }, tx);
      if (!store) throw StoreService.domainTaken(n.domain);
      await this.stores.addEvent(store.id, { status: 'Pending', phase: 'queued', reason: 'Created', message: 'Store requested; waiting for a worker.' }, tx);
      if (idempotencyKey)
        await this.stores.saveIdempotencyKey({ user_id: actor.userId, key: idempotencyKey, request_hash: StoreService.requestHash(n), store_id: store.id }, tx);
      await this.jobs.enqueue(tx, JOBS.provisionStore, { storeId: store.id });
      // In the change's transaction: a store that exists always has its audit event.
      await this.audit.record(
        { action: 'store.create', outcome: 'success', actor, storeId: store.id, resource: `store:${store.id}`, details: { name: n.name, domain: n.domain } },
        tx,
      );
      return { store, replayed: false };
    });
  }

  /** The owner's store of that name is this request again (same domain), or a 409 (another domain). */
  private static sameRequestOrConflict(existing: StoreModel | undefined, n: NormalizedCreate): StoreModel | undefined {
    if (existing && existing.domain !== n.domain)
      throw new ConflictError('name_taken', `You already have a store named "${existing.name}" with the domain ${existing.domain}.`);
    return existing;
  }

  private static domainTaken(domain: string): ValidationError {
    return new ValidationError(
      [{ field: 'domain', message: `The domain ${domain} is already in use.`, code: 'domain_taken' }],
      'The domain is already in use.',
    );
  }

  /** The store, if the actor may see it: its owner, or an operator. Others get 403 (audited with `intent`). */
  async getVisible(actor: Actor, id: string, intent: 'read' | 'retry' | 'delete' = 'read'): Promise<StoreModel> {
    const store = await this.stores.findById(id);
    if (!store) throw new NotFoundError('Store not found.');
    if (store.owner_id !== actor.userId && actor.role !== 'operator') {
      await this.audit.record({ action: 'authz.denied', outcome: 'failure', actor, storeId: id, resource: `store:${id}`, details: { intent } });
      throw new ForbiddenError('This store belongs to another user.');
    }
    return store;
  }

  list(actor: Actor, all: boolean): Promise<StoreModel[]> {
    return all && actor.role === 'operator' ? this.stores.listAll() : this.stores.listByOwner(actor.userId);
  }

  async quota(userId: string): Promise<{ limit: number; used: number }> {
    const owner = await this.users.findById(userId);
    return { limit: owner?.store_quota ?? this.config.defaultStoreQuota, used: await this.stores.countByOwner(userId) };
  }

  /** The store's timeline, for whoever may see the store. */
  async events(actor: Actor, id: string): Promise<StoreEventModel[]> {
    await this.getVisible(actor, id);
    return this.stores.events(id);
  }

  /** Re-runs a store in Error: a new attempt (so a new commit: Argo CD does not retry the same revision). */
  async retry(actor: Actor, id: string): Promise<StoreModel> {
    await this.getVisible(actor, id, 'retry');
    const store = await this.tx.run(async (tx) => {
      const locked = await this.stores.lockById(id, tx);
      if (!locked) throw new NotFoundError('Store not found.');
      if (!canRetry(locked)) throw new ConflictError('not_in_error', `Only a store in Error can be retried; this one is ${locked.status}.`);
      await this.stores.bumpAttempt(id, tx);
      const updated = await this.stores.transition(
        id,
        { status: 'Pending', phase: 'queued', reason: 'RetryRequested', message: 'Retry requested; waiting for a worker.' },
        tx,
      );
      await this.jobs.enqueue(tx, JOBS.provisionStore, { storeId: id });
      await this.audit.record({ action: 'store.retry', outcome: 'success', actor, storeId: id, resource: `store:${id}` }, tx);
      return updated!;
    });
    return store;
  }

  /** Marks the store Deleting and enqueues its teardown; a second call changes nothing (unless the teardown gave up). */
  async requestDelete(actor: Actor, id: string): Promise<StoreModel> {
    await this.getVisible(actor, id, 'delete');
    const { store, changed } = await this.tx.run(async (tx) => {
      const locked = await this.stores.lockById(id, tx);
      if (!locked) throw new NotFoundError('Store not found.');
      if (!canRequestDelete(locked)) return { store: locked, changed: false };
      const updated = await this.stores.transition(
        id,
        { status: 'Deleting', phase: 'deleting', reason: 'DeleteRequested', message: 'Deletion requested; removing the store from Git.' },
        tx,
      );
      await this.jobs.enqueue(tx, JOBS.deleteStore, { storeId: id });
      await this.audit.record({ action: 'store.delete', outcome: 'success', actor, storeId: id, resource: `store:${id}` }, tx);
      return { store: updated!, changed: true };
    });
    return store;
  }
}
