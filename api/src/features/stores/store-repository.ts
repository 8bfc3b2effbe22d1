import type { Knex } from 'knex';
import { StoreModel } from '../../db/models/store-model.ts';
import type { StorePhase, StoreStatus } from './store-lifecycle.ts';
import { StoreEventModel } from '../../db/models/store-event-model.ts';

/** SQL of stores, their timeline and idempotency keys. */
export class StoreRepository {
  readonly knex: Knex;
  private readonly Store: typeof StoreModel;
  private readonly Event: typeof StoreEventModel;

  constructor(knex: Knex) {
    this.knex = knex;
    this.Store = StoreModel.bindKnex(knex);
    this.Event = StoreEventModel.bindKnex(knex);
  }

  async findById(id: string, trx?: Knex.Transaction): Promise<StoreModel | undefined> {
    return this.Store.query(trx).findById(id);
  }

  async lockById(id: string, trx: Knex.Transaction): Promise<StoreModel | undefined> {
    return this.Store.query(trx).findById(id).forUpdate();
  }

  async findByOwnerAndName(ownerId: string, name: string, trx?: Knex.Transaction): Promise<StoreModel | undefined> {
    return this.Store.query(trx).where('owner_id', ownerId).whereRaw('lower(name) = lower(?)', [name]).first();
  }

  async findByDomain(domain: string, trx?: Knex.Transaction): Promise<StoreModel | undefined> {
    return this.Store.query(trx).where('domain', domain).first();
  }

  async listByOwner(ownerId: string): Promise<StoreModel[]> {
    return this.Store.query().where('owner_id', ownerId).orderBy('created_at', 'desc').orderBy('id');
  }

  async listAll(): Promise<StoreModel[]> {
    return this.Store.query().orderBy('created_at', 'desc').orderBy('id');
  }

  async countByOwner(ownerId: string, trx?: Knex.Transaction): Promise<number> {
    const row = (await (trx ?? this.knex)('stores').where('owner_id', ownerId).count<{ count: number }[]>({ count: '*' }).first()) as { count: number | string } | undefined;
    return Number(row?.count ?? 0);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = (await this.knex('stores').select('status').count({ count: '*' }).groupBy('status')) as Array<{ status: string; count: string | number }>;
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
  }

  async insert(row: { owner_id: string; name: string; domain: string }, trx: Knex.Transaction): Promise<StoreModel> {
    return this.Store.query(trx).insert({ ...row, status: 'Pending', phase: 'queued' }).returning('*') as unknown as Promise<StoreModel>;
  }

  /** Sets status/phase/message and appends the change to the timeline, in the caller's transaction. */
  async transition(id: string, to: { status: StoreStatus; phase: StorePhase; message?: string | null; reason: string }, trx: Knex.Transaction): Promise<StoreModel | undefined> {
    const store = await this.Store.query(trx).patchAndFetchById(id, { status: to.status, phase: to.phase, message: to.message ?? null, updated_at: this.knex.fn.now() as unknown as Date });
    if (store) await this.addEvent(id, to, trx);
    return store;
  }

  async addEvent(storeId: string, e: { status: string; phase: string; reason: string; message?: string | null }, trx?: Knex.Transaction): Promise<void> {
    await this.Event.query(trx).insert({ store_id: storeId, status: e.status, phase: e.phase, reason: e.reason, message: e.message ?? null });
  }

  async events(storeId: string): Promise<StoreEventModel[]> {
    return this.Event.query().where('store_id', storeId).orderBy('id');
  }

  /** Persists a store's sealed secrets and encrypted admin password unless some run already did (then false). */
  async saveSecretsOnce(id: string, sealed: Record<string, string>, adminUsername: string, adminPasswordEnc: string): Promise<boolean> {
    const n = await this.knex('stores')
      .update({ sealed_secrets: JSON.stringify(sealed), admin_username: adminUsername, admin_password_enc: adminPasswordEnc, updated_at: this.knex.fn.now() })
      .where('id', id)
      .whereNull('sealed_secrets');
    return n === 1;
  }

  /** Records the commit (and pull request) that carries the store, in the caller's transaction. */
  async markCommitted(id: string, c: { sha: string; pullRequest?: { number: number; url: string } }, trx: Knex.Transaction): Promise<void> {
    await trx('stores')
      .update({ commit_sha: c.sha, committed_at: trx.fn.now(), pull_request_number: c.pullRequest?.number ?? null, pull_request_url: c.pullRequest?.url ?? null, updated_at: trx.fn.now() })
      .where('id', id);
  }

  async markReady(id: string, trx: Knex.Transaction): Promise<void> {
    await trx('stores').update({ ready_at: trx.raw('coalesce(ready_at, now())') }).where('id', id);
  }

  /** A retry: the next render carries a new attempt number, so it is a new commit. */
  async bumpAttempt(id: string, trx: Knex.Transaction): Promise<void> {
    await trx('stores').increment('attempt', 1).where('id', id);
  }

  /** Every store the status cycle looks at. */
  async listForStatus(): Promise<StoreModel[]> {
    return this.Store.query().orderBy('created_at');
  }

  /** Removes the record (timeline and idempotency keys go with it); the owner's count drops. */
  async remove(id: string, trx?: Knex.Transaction): Promise<boolean> {
    return (await this.Store.query(trx).deleteById(id)) === 1;
  }

  async findIdempotencyKey(userId: string, key: string, trx?: Knex.Transaction): Promise<{ request_hash: string; store_id: string } | undefined> {
    return (trx ?? this.knex)('idempotency_keys')
      .select('request_hash', 'store_id')
      .where({ user_id: userId, key })
      .andWhere('created_at', '>', this.knex.raw("now() - interval '24 hours'"))
      .first();
  }

  async saveIdempotencyKey(row: { user_id: string; key: string; request_hash: string; store_id: string }, trx: Knex.Transaction): Promise<void> {
    await trx('idempotency_keys').insert(row).onConflict(['user_id', 'key']).merge();
  }
}
