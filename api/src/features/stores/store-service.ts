import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../../config/config.ts';
import { ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, RateLimitedError, ValidationError } from '../../errors/app-error.ts';
import type { Actor } from '../../auth/actor.ts';
import type { Transactor } from '../../db/transactor.ts';
import type { AuditLog, AuditRow } from '../audit/audit-log.ts';
import type { UserRepository } from '../users/user-repository.ts';
import { nameAndDomainProblems } from './domain-policy.ts';
import { JOBS, type JobQueue } from '../../jobs/job-queue.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { StoreEventModel } from '../../db/models/store-event-model.ts';
import { rateLimitHeaders, type CreateRateLimit, type RateLimitDecision } from '../../rate-limit/create-rate-limit.ts';
import type { StoreRepository } from './store-repository.ts';
import type { CreateStoreInput } from './store.schema.ts';
import { canRequestDelete, canRetry, type StoreStatus } from './store-lifecycle.ts';
import { quotaAmount, quotaUsed, quotaWeight, quotaWeights, type QuotaMode } from '../plans/store-quota.ts';
import {
  DEFAULT_ORDER,
  decodeCursor,
  encodeCursor,
  listFingerprint,
  type SortOrder,
  type StoreListFilter,
  type StoreListRow,
  type StoreSort,
} from './store-list.ts';

/** A request for one page of the store list (GET /stores), parsed. */
export type StoreListRequest = {
  /** `all`: every user's stores (operators only). */
  scope: 'mine' | 'all';
  search?: string;
  statuses?: readonly StoreStatus[];
  sort?: StoreSort;
  order?: SortOrder;
  limit: number;
  offset?: number;
  cursor?: string;
};

/** One page: its rows, how many match, where the next page starts, and the caller's quota. */
export type StoreListResult = {
  rows: StoreListRow[];
  total: number;
  limit: number;
  /** Keyset cursor after the last row; null on the last page. */
  nextCursor: string | null;
  /** The offset of the next page (when this one was asked by offset); null on the last page. */
  nextOffset: number | null;
  quota: { limit: number; used: number; mode: QuotaMode; suspended: number };
};

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
    let result: { store: StoreModel; replayed: false; audit: AuditRow } | { store: StoreModel; replayed: true };
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
    // Written with the store, in its transaction: logged once committed.
    this.audit.logged(result.audit);
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
    const { keyed, named } = await this.stores.findReplay(actor.userId, n.name, idempotencyKey);
    if (keyed) {
      if (keyed.requestHash !== this.requestHash(n))
        throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with a different request.');
      return keyed.store;
    }
    return StoreService.sameRequestOrConflict(named, n);
  }

  /**
   * Inserts a Pending store with its timeline event, idempotency key, provision job and audit event;
   * `replayed` when a concurrent twin won the race. Two statements in the transaction: the owner's lock,
   * then one that checks the twin, the quota and the domain and writes it all (store-repository.ts).
   */
  private insertWithJob(
    actor: Actor,
    n: NormalizedCreate,
    idempotencyKey: string | undefined,
  ): Promise<{ store: StoreModel; replayed: false; audit: AuditRow } | { store: StoreModel; replayed: true }> {
    return this.tx.run(async (tx) => {
      // Locking the owner's row serialises this user's creates: the count in the next statement cannot go stale.
      const owner = await this.users.lockById(actor.userId, tx);
      if (!owner) throw new NotFoundError('User not found.');
      const id = randomUUID();
      const limit = owner.store_quota ?? this.config.defaultStoreQuota;
      const mode = this.config.quotaMode;
      const adds = quotaWeight(mode, this.config.plans, n.plan);
      const audit = this.audit.prepare({
        action: 'store.create',
        outcome: 'success',
        actor,
        storeId: id,
        resource: `store:${id}`,
        details: { name: n.name, domain: n.domain, plan: n.plan },
      });
      const out = await this.stores.createPending(
        {
          id,
          ownerId: actor.userId,
          name: n.name,
          domain: n.domain,
          plan: n.plan,
          quotaLimit: limit,
          quotaWeights: quotaWeights(mode, this.config.plans),
          adds,
          event: { status: 'Pending', phase: 'queued', reason: 'Created', message: 'Store requested; waiting for a worker.' },
          ...(idempotencyKey ? { idempotency: { key: idempotencyKey, requestHash: this.requestHash(n) } } : {}),
          job: this.jobs.prepare(JOBS.provisionStore, { storeId: id }),
          audit,
        },
        tx,
      );
      switch (out.kind) {
        case 'created':
          return { store: out.store, replayed: false, audit };
        case 'twin':
          // A concurrent twin of this request committed since the replay check.
          return { store: StoreService.sameRequestOrConflict(out.store, n)!, replayed: true };
        case 'over_quota':
          throw new QuotaExceededError(
            limit,
            mode === 'units'
              ? `A ${n.plan} store counts ${quotaAmount(mode, adds)}; you use ${out.used} of your ${quotaAmount(mode, limit)}. Delete a store or choose a smaller plan.`
              : undefined,
          );
        case 'domain_taken':
          throw StoreService.domainTaken(n.domain);
      }
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
   * One page of the list (search, status filter, sort, keyset or offset pagination), its total and the
   * caller's quota in one read. `scope: 'all'` is for operators; anyone else gets 403 (audited).
   */
  async listPage(actor: Actor, r: StoreListRequest): Promise<StoreListResult> {
    if (r.scope === 'all' && actor.role !== 'operator') {
      await this.audit.record({ action: 'authz.denied', outcome: 'failure', actor, resource: 'stores:all', details: { intent: 'list' } });
      throw new ForbiddenError('Listing every user’s stores needs the operator role.');
    }
    if (r.cursor !== undefined && r.offset !== undefined)
      throw new ValidationError([{ field: 'cursor', message: 'Use either cursor or offset, not both.', code: 'cursor_with_offset' }]);
    const sort = r.sort ?? 'created_at';
    const base = {
      ...(r.scope === 'mine' ? { ownerId: actor.userId } : {}),
      ...(r.search ? { search: r.search } : {}),
      ...(r.statuses?.length ? { statuses: [...new Set(r.statuses)] } : {}),
      sort,
      order: r.order ?? DEFAULT_ORDER[sort],
    };
    const fingerprint = listFingerprint(base);
    const after = r.cursor === undefined ? undefined : decodeCursor(r.cursor, fingerprint);
    if (r.cursor !== undefined && !after)
      throw new ValidationError([
        {
          field: 'cursor',
          message: 'This cursor is not valid for this list: start again without it, or keep the same filters and sort.',
          code: 'invalid_cursor',
        },
      ]);
    const filter: StoreListFilter = { ...base, limit: r.limit, quotaOf: actor.userId, ...(after ? { after } : {}), ...(r.offset ? { offset: r.offset } : {}) };
    const page = await this.stores.listPage(filter);
    const last = page.rows.at(-1);
    return {
      rows: page.rows,
      total: page.total,
      limit: r.limit,
      nextCursor: page.hasMore && last ? encodeCursor(last.key, fingerprint) : null,
      nextOffset: page.hasMore && r.cursor === undefined ? (r.offset ?? 0) + r.limit : null,
      quota: {
        limit: page.quota.override ?? this.config.defaultStoreQuota,
        used: quotaUsed(this.config.quotaMode, this.config.plans, page.quota.plans),
        mode: this.config.quotaMode,
        suspended: page.quota.suspended,
      },
    };
  }

  /**
   * The user's quota: its limit and what their stores use of it, in stores or plan units (QUOTA_MODE).
   * Suspended stores count (they keep their data and resume at any time), and are told apart.
   */
  async quota(userId: string): Promise<{ limit: number; used: number; mode: QuotaMode; suspended: number }> {
    const owner = await this.users.findById(userId);
    const mode = this.config.quotaMode;
    // One read of the owner's stores gives both what they use and how many are suspended.
    const mine = await this.stores.listByOwner(userId);
    return {
      limit: owner?.store_quota ?? this.config.defaultStoreQuota,
      used: quotaUsed(
        mode,
        this.config.plans,
        mine.map((s) => s.plan),
      ),
      mode,
      suspended: mine.filter((s) => s.status === 'Suspended').length,
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
