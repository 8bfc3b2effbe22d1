import { createHash } from 'node:crypto';
import type { Config } from '../../config/config.ts';
import { ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, RateLimitedError, ValidationError } from '../../errors/app-error.ts';
import type { Actor } from '../../auth/actor.ts';
import type { Transactor, Tx } from '../../db/transactor.ts';
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
import { quotaAmount, quotaUsed, quotaWeight, type QuotaMode } from '../plans/store-quota.ts';

/** A create request after defaults: what replays are compared on. */
export type NormalizedCreate = { name: string; domain: string; plan: string };

/** What a create did: made a new store (with the allowance left), or found the one this request repeats. */
export type CreateOutcome = { store: StoreModel; replayed: false; rateLimit: RateLimitDecision } | { store: StoreModel; replayed: true };

type Deps = {
  stores: StoreRepository;
  users: UserRepository;
  jobs: JobQueue;
  audit: AuditLog;
  tx: Transactor;
  rateLimit: CreateRateLimit;
  config: Pick<Config, 'baseDomain' | 'defaultStoreQuota' | 'reservedNames' | 'plans' | 'quotaMode'>;
  /** True when another store holds the domain as a verified custom domain (features/domains). */
  customDomainTaken?: (domain: string, tx: Tx) => Promise<boolean>;
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
  private readonly customDomainTaken: NonNullable<Deps['customDomainTaken']>;

  constructor(deps: Deps) {
    this.stores = deps.stores;
    this.users = deps.users;
    this.jobs = deps.jobs;
    this.audit = deps.audit;
    this.tx = deps.tx;
    this.rateLimit = deps.rateLimit;
    this.config = deps.config;
    this.customDomainTaken = deps.customDomainTaken ?? (async () => false);
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
    await this.audit.record({
      action: 'store.create',
      outcome: 'success',
      actor,
      storeId: result.store.id,
      resource: `store:${result.store.id}`,
      details: { name: n.name, domain: n.domain, plan: n.plan },
    });
    return { store: result.store, replayed: false, rateLimit: decision };
  }

  private normalize(input: CreateStoreInput): NormalizedCreate {
    const refused = nameAndDomainProblems(input, this.config);
    if (refused.length) throw new ValidationError(refused, refused.map((p) => p.message).join(' '));
    const plan = input.plan ?? this.config.plans.defaultPlan;
    if (!this.config.plans.find(plan))
      throw StoreService.unknownPlan(
        plan,
        this.config.plans.list().map((p) => p.name),
      );
    return { name: input.name, domain: input.domain ?? `${input.name.toLowerCase()}.${this.config.baseDomain}`, plan };
  }

  /** 422 for a plan the plans file does not define. */
  static unknownPlan(plan: string, known: string[]): ValidationError {
    const message = `There is no plan "${plan}"; choose one of ${known.join(', ')}.`;
    return new ValidationError([{ field: 'plan', message, code: 'unknown_plan' }], message);
  }

  /** The default plan hashes as before plans existed, so keys saved then still match. */
  private requestHash(n: NormalizedCreate): string {
    const parts = n.plan === this.config.plans.defaultPlan ? [n.name.toLowerCase(), n.domain] : [n.name.toLowerCase(), n.domain, n.plan];
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
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
        if (saved.request_hash !== this.requestHash(n))
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
      const mode = this.config.quotaMode;
      const used = quotaUsed(mode, this.config.plans, await this.stores.plansByOwner(actor.userId, tx));
      const adds = quotaWeight(mode, this.config.plans, n.plan);
      if (used + adds > limit)
        throw new QuotaExceededError(
          limit,
          mode === 'units'
            ? `A ${n.plan} store counts ${quotaAmount(mode, adds)}; you use ${used} of your ${quotaAmount(mode, limit)}. Delete a store or choose a smaller plan.`
            : undefined,
        );
      if ((await this.stores.findByDomain(n.domain, tx)) || (await this.customDomainTaken(n.domain, tx))) throw StoreService.domainTaken(n.domain);
      const store = await this.stores.insert({ owner_id: actor.userId, name: n.name, domain: n.domain, plan: n.plan }, tx);
      if (!store) throw StoreService.domainTaken(n.domain);
      await this.stores.addEvent(store.id, { status: 'Pending', phase: 'queued', reason: 'Created', message: 'Store requested; waiting for a worker.' }, tx);
      if (idempotencyKey)
        await this.stores.saveIdempotencyKey({ user_id: actor.userId, key: idempotencyKey, request_hash: this.requestHash(n), store_id: store.id }, tx);
      await this.jobs.enqueue(tx, JOBS.provisionStore, { storeId: store.id });
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
  async getVisible(actor: Actor, id: string, intent: 'read' | 'retry' | 'delete' | 'suspend' | 'resume' | 'change_plan' = 'read'): Promise<StoreModel> {
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

  /**
   * The user's quota: its limit and what their stores use of it, in stores or plan units (QUOTA_MODE).
   * Suspended stores count (they keep their data and resume at any time), and are told apart.
   */
  async quota(userId: string): Promise<{ limit: number; used: number; mode: QuotaMode; suspended: number }> {
    const owner = await this.users.findById(userId);
    const mode = this.config.quotaMode;
    const suspended = (await this.stores.listByOwner(userId)).filter((s) => s.status === 'Suspended').length;
    return {
      limit: owner?.store_quota ?? this.config.defaultStoreQuota,
      used: quotaUsed(mode, this.config.plans, await this.stores.plansByOwner(userId)),
      mode,
      suspended,
    };
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
      return updated!;
    });
    await this.audit.record({ action: 'store.retry', outcome: 'success', actor, storeId: id, resource: `store:${id}` });
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
      return { store: updated!, changed: true };
    });
    if (changed) await this.audit.record({ action: 'store.delete', outcome: 'success', actor, storeId: id, resource: `store:${id}` });
    return store;
  }
}
