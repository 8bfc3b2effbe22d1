import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Config } from '../../config/config.ts';
import { ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, ValidationError } from '../../errors/app-error.ts';
import type { AuthContext } from '../../auth/auth-context.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { UserRepository } from '../users/user-repository.ts';
import { nameAndDomainProblems } from './domain-policy.ts';
import { isUniqueViolation } from '../users/is-unique-violation.ts';
import { JOBS, type JobQueue } from '../../jobs/job-queue.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import type { StoreRepository } from './store-repository.ts';
import type { CreateStoreInput } from './store.schema.ts';

/** A create request after defaults: what replays are compared on. */
export type NormalizedCreate = { name: string; domain: string };

/**
 * The store rules: replay detection, quota (race-free), domain uniqueness, the state machine and
 * ownership. Creating and deleting write the row change, its timeline event and the job in ONE transaction.
 */
export class StoreService {
  private readonly stores: StoreRepository;
  private readonly users: UserRepository;
  private readonly jobs: JobQueue;
  private readonly audit: AuditLog;
  private readonly config: Config;

  constructor(deps: { stores: StoreRepository; users: UserRepository; jobs: JobQueue; audit: AuditLog; config: Config }) {
    this.stores = deps.stores;
    this.users = deps.users;
    this.jobs = deps.jobs;
    this.audit = deps.audit;
    this.config = deps.config;
  }

  normalize(input: CreateStoreInput): NormalizedCreate {
    const refused = nameAndDomainProblems(input, this.config);
    if (refused.length) throw new ValidationError(refused, refused.map((p) => p.message).join(' '));
    return { name: input.name, domain: input.domain ?? `${input.name.toLowerCase()}.${this.config.baseDomain}` };
  }

  private static requestHash(n: NormalizedCreate): string {
    return createHash('sha256').update(JSON.stringify([n.name.toLowerCase(), n.domain])).digest('hex');
  }

  /**
   * The existing store when this request repeats an earlier one (same Idempotency-Key, or same owner +
   * name + domain); undefined for a new request. Same name with another domain, or a key reused for
   * another body, is a 409.
   */
  async findReplay(user: AuthContext, n: NormalizedCreate, idempotencyKey?: string): Promise<StoreModel | undefined> {
    if (idempotencyKey) {
      const saved = await this.stores.findIdempotencyKey(user.userId, idempotencyKey);
      if (saved) {
        if (saved.request_hash !== StoreService.requestHash(n)) throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with a different request.');
        const store = await this.stores.findById(saved.store_id);
        if (store) return store;
      }
    }
    return StoreService.sameRequestOrConflict(await this.stores.findByOwnerAndName(user.userId, n.name), n);
  }

  /** Creates a Pending store and its provision job; `replayed` when a concurrent twin won the race. */
  async create(user: AuthContext, n: NormalizedCreate, idempotencyKey: string | undefined, req: Request): Promise<{ store: StoreModel; replayed: boolean }> {
    const result = await this.stores.knex.transaction(async (trx) => {
      // Locking the owner's row serialises this user's creates: the count below cannot go stale.
      const owner = await this.users.lockById(user.userId, trx);
      if (!owner) throw new NotFoundError('User not found.');
      // A concurrent twin of this request may have committed since the replay check.
      const twin = StoreService.sameRequestOrConflict(await this.stores.findByOwnerAndName(user.userId, n.name, trx), n);
      if (twin) return { store: twin, replayed: true };
      const limit = owner.store_quota ?? this.config.defaultStoreQuota;
      if ((await this.stores.countByOwner(user.userId, trx)) >= limit) throw new QuotaExceededError(limit);
      if (await this.stores.findByDomain(n.domain, trx)) throw StoreService.domainTaken(n.domain);
      let store: StoreModel;
      try {
        store = await trx.transaction((sp) => this.stores.insert({ owner_id: user.userId, name: n.name, domain: n.domain }, sp));
      } catch (err) {
        if (isUniqueViolation(err, 'stores_domain_unique')) throw StoreService.domainTaken(n.domain);
        throw err;
      }
      await this.stores.addEvent(store.id, { status: 'Pending', phase: 'queued', reason: 'Created', message: 'Store requested; waiting for a worker.' }, trx);
      if (idempotencyKey) await this.stores.saveIdempotencyKey({ user_id: user.userId, key: idempotencyKey, request_hash: StoreService.requestHash(n), store_id: store.id }, trx);
      await this.jobs.enqueue(trx, JOBS.provisionStore, { storeId: store.id });
      return { store, replayed: false };
    });
    if (!result.replayed) await this.audit.record({ action: 'store.create', outcome: 'success', req, storeId: result.store.id, resource: `store:${result.store.id}`, details: { name: n.name, domain: n.domain } });
    return result;
  }

  /** The owner's store of that name is this request again (same domain), or a 409 (another domain). */
  private static sameRequestOrConflict(existing: StoreModel | undefined, n: NormalizedCreate): StoreModel | undefined {
    if (existing && existing.domain !== n.domain) throw new ConflictError('name_taken', `You already have a store named "${existing.name}" with the domain ${existing.domain}.`);
    return existing;
  }

  private static domainTaken(domain: string): ValidationError {
    return new ValidationError([{ field: 'domain', message: `The domain ${domain} is already in use.`, code: 'domain_taken' }], 'The domain is already in use.');
  }

  /** The store, if the caller may see it: its owner, or an operator. Others get 403 (audited). */
  async getVisible(user: AuthContext, id: string, req: Request): Promise<StoreModel> {
    const store = await this.stores.findById(id);
    if (!store) throw new NotFoundError('Store not found.');
    if (store.owner_id !== user.userId && user.role !== 'operator') {
      await this.audit.record({ action: 'authz.denied', outcome: 'failure', req, storeId: id, resource: `store:${id}`, details: { method: req.method } });
      throw new ForbiddenError('This store belongs to another user.');
    }
    return store;
  }

  list(user: AuthContext, all: boolean): Promise<StoreModel[]> {
    return all && user.role === 'operator' ? this.stores.listAll() : this.stores.listByOwner(user.userId);
  }

  async quota(userId: string): Promise<{ limit: number; used: number }> {
    const owner = await this.users.findById(userId);
    return { limit: owner?.store_quota ?? this.config.defaultStoreQuota, used: await this.stores.countByOwner(userId) };
  }

  events(storeId: string) {
    return this.stores.events(storeId);
  }

  /** Re-runs a store in Error: a new attempt (so a new commit: Argo CD does not retry the same revision). */
  async retry(user: AuthContext, id: string, req: Request): Promise<StoreModel> {
    const visible = await this.getVisible(user, id, req);
    if (visible.owner_id !== user.userId && user.role !== 'operator') throw new ForbiddenError('This store belongs to another user.');
    const store = await this.stores.knex.transaction(async (trx) => {
      const locked = await this.stores.lockById(id, trx);
      if (!locked) throw new NotFoundError('Store not found.');
      if (locked.status !== 'Error') throw new ConflictError('not_in_error', `Only a store in Error can be retried; this one is ${locked.status}.`);
      await this.stores.bumpAttempt(id, trx);
      const updated = await this.stores.transition(id, { status: 'Pending', phase: 'queued', reason: 'RetryRequested', message: 'Retry requested; waiting for a worker.' }, trx);
      await this.jobs.enqueue(trx, JOBS.provisionStore, { storeId: id });
      return updated!;
    });
    await this.audit.record({ action: 'store.retry', outcome: 'success', req, storeId: id, resource: `store:${id}` });
    return store;
  }

  /** Marks the store Deleting and enqueues its teardown; a second call changes nothing (unless the teardown gave up). */
  async requestDelete(user: AuthContext, id: string, req: Request): Promise<StoreModel> {
    await this.getVisible(user, id, req);
    const { store, changed } = await this.stores.knex.transaction(async (trx) => {
      const locked = await this.stores.lockById(id, trx);
      if (!locked) throw new NotFoundError('Store not found.');
      if (locked.status === 'Deleting' && locked.phase !== 'delete failed') return { store: locked, changed: false };
      const updated = await this.stores.transition(id, { status: 'Deleting', phase: 'deleting', reason: 'DeleteRequested', message: 'Deletion requested; removing the store from Git.' }, trx);
      await this.jobs.enqueue(trx, JOBS.deleteStore, { storeId: id });
      return { store: updated!, changed: true };
    });
    if (changed) await this.audit.record({ action: 'store.delete', outcome: 'success', req, storeId: id, resource: `store:${id}` });
    return store;
  }
}
