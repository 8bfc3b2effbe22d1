import type { Knex } from 'knex';
import { StoreModel } from '../../db/models/store-model.ts';
import { StoreEventModel } from '../../db/models/store-event-model.ts';
import { knexOf, type Tx } from '../../db/transactor.ts';
import { isUniqueViolation } from '../../db/is-unique-violation.ts';
import type { StorePhase, StoreStatus } from './store-lifecycle.ts';

export type StoreTransition = { status: StoreStatus; phase: StorePhase; message?: string | null; reason: string };
export type NewStoreEvent = { status: StoreStatus; phase: StorePhase; reason: string; message?: string | null };
export type IdempotencyKeyRow = { user_id: string; key: string; request_hash: string; store_id: string };

/**
 * Stores, their timeline and idempotency keys. Methods that take a `tx` run in the caller's transaction
 * (`lockById` holds the row until it ends); without one they run on their own.
 */
export interface StoreRepository {
  findById(id: string, tx?: Tx): Promise<StoreModel | undefined>;
  /** Reads and locks the row (SELECT … FOR UPDATE) until the transaction ends. */
  lockById(id: string, tx: Tx): Promise<StoreModel | undefined>;
  /** Names compare case-insensitively. */
  findByOwnerAndName(ownerId: string, name: string, tx?: Tx): Promise<StoreModel | undefined>;
  findByDomain(domain: string, tx?: Tx): Promise<StoreModel | undefined>;
  /** Newest first. */
  listByOwner(ownerId: string): Promise<StoreModel[]>;
  listAll(): Promise<StoreModel[]>;
  countByOwner(ownerId: string, tx?: Tx): Promise<number>;
  countByStatus(): Promise<Record<string, number>>;
  /** A new Pending/queued store; undefined when its domain is taken (the transaction stays usable). */
  insert(row: { owner_id: string; name: string; domain: string }, tx: Tx): Promise<StoreModel | undefined>;
  /** Sets status/phase/message and appends the change to the timeline. */
  transition(id: string, to: StoreTransition, tx: Tx): Promise<StoreModel | undefined>;
  addEvent(storeId: string, e: NewStoreEvent, tx?: Tx): Promise<void>;
  /** Oldest first. */
  events(storeId: string): Promise<StoreEventModel[]>;
  /** Persists sealed secrets and the encrypted admin password unless some run already did (then false). */
  saveSecretsOnce(id: string, sealed: Record<string, string>, adminUsername: string, adminPasswordEnc: string): Promise<boolean>;
  /** Records the commit (and pull request) that carries the store, and the generation it rendered (never lowered). */
  markCommitted(id: string, c: { sha: string; pullRequest?: { number: number; url: string }; generation: number }, tx: Tx): Promise<void>;
  /**
   * The store's desired state changed (columns in `desired`, e.g. a plan): applies them and increments
   * `generation`, so the committer renders the store again. Call it in the transaction of the change.
   */
  bumpGeneration(id: string, tx: Tx, desired?: Partial<StoreModel>): Promise<void>;
  /** Sets ready_at the first time only. */
  markReady(id: string, tx: Tx): Promise<void>;
  /** A retry: the next render carries a new attempt number, so it is a new commit. */
  bumpAttempt(id: string, tx: Tx): Promise<void>;
  /** Every store the status cycle looks at, oldest first. */
  listForStatus(): Promise<StoreModel[]>;
  /**
   * What the committer has to write, oldest change first: stores whose desired state is ahead of Git
   * (Pending, or running with a newer generation) and Deleting stores not yet removed from Git.
   */
  listDueCommit(limit: number): Promise<StoreModel[]>;
  /** The rows of these ids (any order; missing ids are left out). */
  listByIds(ids: string[]): Promise<StoreModel[]>;
  /** Removes the record (timeline and idempotency keys go with it); the owner's count drops. */
  remove(id: string, tx?: Tx): Promise<boolean>;
  /** A key saved in the last 24 hours. */
  findIdempotencyKey(userId: string, key: string, tx?: Tx): Promise<{ request_hash: string; store_id: string } | undefined>;
  saveIdempotencyKey(row: IdempotencyKeyRow, tx: Tx): Promise<void>;
}

/** The StoreRepository over PostgreSQL (knex + objection). */
export class PgStoreRepository implements StoreRepository {
  private readonly db: Knex;
  private readonly Store: typeof StoreModel;
  private readonly Event: typeof StoreEventModel;

  constructor(knex: Knex) {
    this.db = knex;
    this.Store = StoreModel.bindKnex(knex);
    this.Event = StoreEventModel.bindKnex(knex);
  }

  private q(tx?: Tx): Knex | Knex.Transaction {
    return tx ? knexOf(tx) : this.db;
  }

  async findById(id: string, tx?: Tx): Promise<StoreModel | undefined> {
    return this.Store.query(tx && knexOf(tx)).findById(id);
  }

  async lockById(id: string, tx: Tx): Promise<StoreModel | undefined> {
    return this.Store.query(knexOf(tx)).findById(id).forUpdate();
  }

  async findByOwnerAndName(ownerId: string, name: string, tx?: Tx): Promise<StoreModel | undefined> {
    return this.Store.query(tx && knexOf(tx))
      .where('owner_id', ownerId)
      .whereRaw('lower(name) = lower(?)', [name])
      .first();
  }

  async findByDomain(domain: string, tx?: Tx): Promise<StoreModel | undefined> {
    return this.Store.query(tx && knexOf(tx))
      .where('domain', domain)
      .first();
  }

  async listByOwner(ownerId: string): Promise<StoreModel[]> {
    return this.Store.query().where('owner_id', ownerId).orderBy('created_at', 'desc').orderBy('id');
  }

  async listAll(): Promise<StoreModel[]> {
    return this.Store.query().orderBy('created_at', 'desc').orderBy('id');
  }

  async countByOwner(ownerId: string, tx?: Tx): Promise<number> {
    const row = (await this.q(tx)('stores').where('owner_id', ownerId).count<{ count: number }[]>({ count: '*' }).first()) as
      { count: number | string } | undefined;
    return Number(row?.count ?? 0);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = (await this.db('stores').select('status').count({ count: '*' }).groupBy('status')) as Array<{ status: string; count: string | number }>;
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
  }

  async insert(row: { owner_id: string; name: string; domain: string }, tx: Tx): Promise<StoreModel | undefined> {
    try {
      // A savepoint: a unique violation rolls back this insert only, not the caller's transaction.
      return await knexOf(tx).transaction(
        (sp) =>
          this.Store.query(sp)
            .insert({ ...row, status: 'Pending', phase: 'queued' })
            .returning('*') as unknown as Promise<StoreModel>,
      );
    } catch (err) {
      if (isUniqueViolation(err, 'stores_domain_unique')) return undefined;
      throw err;
    }
  }

  async transition(id: string, to: StoreTransition, tx: Tx): Promise<StoreModel | undefined> {
    const store = await this.Store.query(knexOf(tx)).patchAndFetchById(id, {
      status: to.status,
      phase: to.phase,
      message: to.message ?? null,
      updated_at: this.db.fn.now() as unknown as Date,
    });
    if (store) await this.addEvent(id, to, tx);
    return store;
  }

  async addEvent(storeId: string, e: NewStoreEvent, tx?: Tx): Promise<void> {
    await this.Event.query(tx && knexOf(tx)).insert({ store_id: storeId, status: e.status, phase: e.phase, reason: e.reason, message: e.message ?? null });
  }

  async events(storeId: string): Promise<StoreEventModel[]> {
    return this.Event.query().where('store_id', storeId).orderBy('id');
  }

  async saveSecretsOnce(id: string, sealed: Record<string, string>, adminUsername: string, adminPasswordEnc: string): Promise<boolean> {
    const n = await this.db('stores')
      .update({ sealed_secrets: JSON.stringify(sealed), admin_username: adminUsername, admin_password_enc: adminPasswordEnc, updated_at: this.db.fn.now() })
      .where('id', id)
      .whereNull('sealed_secrets');
    return n === 1;
  }

  async markCommitted(id: string, c: { sha: string; pullRequest?: { number: number; url: string }; generation: number }, tx: Tx): Promise<void> {
    const trx = knexOf(tx);
    await trx('stores')
      .update({
        committed_generation: trx.raw('greatest(committed_generation, ?)', [c.generation]),
        commit_sha: c.sha,
        // the moment of the commit, not the start of a transaction that may have spanned the push
        committed_at: trx.raw('clock_timestamp()'),
        pull_request_number: c.pullRequest?.number ?? null,
        pull_request_url: c.pullRequest?.url ?? null,
        updated_at: trx.fn.now(),
      })
      .where('id', id);
  }

  async markReady(id: string, tx: Tx): Promise<void> {
    const trx = knexOf(tx);
    await trx('stores')
      .update({ ready_at: trx.raw('coalesce(ready_at, now())') })
      .where('id', id);
  }

  async bumpAttempt(id: string, tx: Tx): Promise<void> {
    await knexOf(tx)('stores').increment('attempt', 1).where('id', id);
    await this.bumpGeneration(id, tx);
  }

  async bumpGeneration(id: string, tx: Tx, desired: Partial<StoreModel> = {}): Promise<void> {
    const trx = knexOf(tx);
    await trx('stores')
      .update({ ...desired, generation: trx.raw('generation + 1'), updated_at: trx.fn.now() })
      .where('id', id);
  }

  async listForStatus(): Promise<StoreModel[]> {
    return this.Store.query().orderBy('created_at');
  }

  async listDueCommit(limit: number): Promise<StoreModel[]> {
    return this.Store.query()
      .where((q) =>
        q
          .where((a) =>
            a
              .whereRaw('generation > committed_generation')
              .andWhere((b) => b.whereIn('status', ['Pending', 'Ready']).orWhere((c) => c.where('status', 'Error').andWhere('phase', 'degraded'))),
          )
          .orWhere((d) => d.where('status', 'Deleting').andWhere('phase', 'deleting')),
      )
      .orderBy('updated_at')
      .orderBy('id')
      .limit(limit);
  }

  async listByIds(ids: string[]): Promise<StoreModel[]> {
    return ids.length ? this.Store.query().whereIn('id', ids) : [];
  }

  async remove(id: string, tx?: Tx): Promise<boolean> {
    return (await this.Store.query(tx && knexOf(tx)).deleteById(id)) === 1;
  }

  async findIdempotencyKey(userId: string, key: string, tx?: Tx): Promise<{ request_hash: string; store_id: string } | undefined> {
    return this.q(tx)('idempotency_keys')
      .select('request_hash', 'store_id')
      .where({ user_id: userId, key })
      .andWhere('created_at', '>', this.db.raw("now() - interval '24 hours'"))
      .first();
  }

  async saveIdempotencyKey(row: IdempotencyKeyRow, tx: Tx): Promise<void> {
    await knexOf(tx)('idempotency_keys').insert(row).onConflict(['user_id', 'key']).merge();
  }
}
