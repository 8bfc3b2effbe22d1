import type { Knex } from 'knex';
import { StoreModel } from '../../db/models/store-model.ts';
import { StoreEventModel } from '../../db/models/store-event-model.ts';
import { knexOf, type Tx } from '../../db/transactor.ts';
import { isUniqueViolation } from '../../db/is-unique-violation.ts';
import type { StorePhase, StoreStatus } from './store-lifecycle.ts';
import type { PreparedJob } from '../../jobs/job-queue.ts';
import type { AuditRow } from '../audit/audit-log.ts';
import type { StoreListFilter, StoreListKey, StoreListPage } from './store-list.ts';

export type StoreTransition = { status: StoreStatus; phase: StorePhase; message?: string | null; reason: string };
export type NewStoreEvent = { status: StoreStatus; phase: StorePhase; reason: string; message?: string | null };
/** The columns of a store's row the status cycle compares between cycles. */
export type StoreRowVersion = Pick<StoreModel, 'id' | 'status' | 'phase' | 'message' | 'commit_sha' | 'pull_request_number' | 'attempt' | 'updated_at'>;
export type NewStoreRow = { owner_id: string; name: string; domain: string; plan?: string };
export type IdempotencyKeyRow = { user_id: string; key: string; request_hash: string; store_id: string };
/** Told of every status change and removal in the transaction that writes it (the webhook outbox). */
export interface StoreChangeSink {
  transitioned(tx: Tx, before: { status: string; phase: string } | undefined, store: StoreModel): Promise<void>;
  removed(tx: Tx, store: StoreModel): Promise<void>;
}

/** A create, everything it writes decided beforehand (the id too), so it is one statement. */
export type PendingCreate = {
  id: string;
  ownerId: string;
  name: string;
  domain: string;
  /** The store's plan (a name of the plans file). */
  plan: string;
  /** The owner's quota: no insert when their stores' use of it plus `adds` would pass it. */
  quotaLimit: number;
  /** A quota in plan units: each plan's units (a plan not listed counts 1); null: every store counts 1. */
  quotaWeights: Record<string, number> | null;
  /** What the new store counts against the quota (1, or its plan's units). */
  adds: number;
  event: NewStoreEvent;
  idempotency?: { key: string; requestHash: string };
  job: PreparedJob;
  audit: AuditRow;
};

/**
 * What a create found: the new store, the owner's store of that name (a twin: nothing written), the
 * quota full, or the domain taken (by a store that exists or one committed meanwhile).
 */
export type PendingCreateResult =
  { kind: 'created'; store: StoreModel } | { kind: 'twin'; store: StoreModel } | { kind: 'over_quota'; used: number } | { kind: 'domain_taken' };

/** An earlier request this one may repeat: the store its Idempotency-Key names, and the owner's store of that name. */
export type ReplayCandidates = { keyed?: { requestHash: string; store: StoreModel }; named?: StoreModel };

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
  /** The plan of each of the owner's stores (for a quota counted in plan units). */
  plansByOwner(ownerId: string, tx?: Tx): Promise<string[]>;
  countByStatus(): Promise<Record<string, number>>;
  /** A new Pending/queued store; undefined when its domain is taken (the transaction stays usable). */
  insert(row: NewStoreRow, tx: Tx): Promise<StoreModel | undefined>;
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
  /** The stores among `ids` (oldest first). */
  listForStatusByIds(ids: readonly string[]): Promise<StoreModel[]>;
  /** What tells one version of a row from the next, for every store updated at or after `since`. */
  listVersionsSince(since: Date): Promise<StoreRowVersion[]>;
  /**
   * What the committer has to write, oldest change first: stores whose desired state is ahead of Git
   * (Pending, or running or suspended with a newer generation: canProvision) and Deleting stores not yet removed from Git.
   */
  listDueCommit(limit: number): Promise<StoreModel[]>;
  /** The rows of these ids (any order; missing ids are left out). */
  listByIds(ids: string[]): Promise<StoreModel[]>;
  /** Removes the record (timeline and idempotency keys go with it); the owner's count drops. */
  remove(id: string, tx?: Tx): Promise<boolean>;
  /** A key saved in the last 24 hours. */
  findIdempotencyKey(userId: string, key: string, tx?: Tx): Promise<{ request_hash: string; store_id: string } | undefined>;
  saveIdempotencyKey(row: IdempotencyKeyRow, tx: Tx): Promise<void>;
  /** The store a (24 h) Idempotency-Key names and the owner's store of that name, in one read. */
  findReplay(ownerId: string, name: string, idempotencyKey?: string): Promise<ReplayCandidates>;
  /**
   * In the caller's transaction, after it has locked the owner (so the count cannot go stale): checks
   * the twin, the quota and the domain, and writes the store, its timeline event, the idempotency key,
   * the job (and its NOTIFY) and the audit event — one statement.
   */
  createPending(c: PendingCreate, tx: Tx): Promise<PendingCreateResult>;
  /** One page of the list with the total the filter matches and the caller's quota, in one read. */
  listPage(f: StoreListFilter): Promise<StoreListPage>;
}

/** The StoreRepository over PostgreSQL (knex + objection). */
export class PgStoreRepository implements StoreRepository {
  private readonly db: Knex;
  private readonly Store: typeof StoreModel;
  private readonly Event: typeof StoreEventModel;
  private readonly changes?: StoreChangeSink;

  constructor(knex: Knex, opts: { changes?: StoreChangeSink } = {}) {
    this.db = knex;
    this.changes = opts.changes;
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

  async plansByOwner(ownerId: string, tx?: Tx): Promise<string[]> {
    const rows = (await this.q(tx)('stores').select('plan').where('owner_id', ownerId)) as Array<{ plan: string }>;
    return rows.map((r) => r.plan);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = (await this.db('stores').select('status').count({ count: '*' }).groupBy('status')) as Array<{ status: string; count: string | number }>;
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
  }

  async insert(row: NewStoreRow, tx: Tx): Promise<StoreModel | undefined> {
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
    // The status it leaves, locked so the change hook sees the same one the update replaces.
    const before = this.changes ? await this.Store.query(knexOf(tx)).findById(id).select('status', 'phase').forUpdate() : undefined;
    const store = await this.Store.query(knexOf(tx)).patchAndFetchById(id, {
      status: to.status,
      phase: to.phase,
      message: to.message ?? null,
      updated_at: this.db.fn.now() as unknown as Date,
    });
    if (store) await this.addEvent(id, to, tx);
    if (store && this.changes) await this.changes.transitioned(tx, before, store);
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

  async listForStatusByIds(ids: readonly string[]): Promise<StoreModel[]> {
    if (!ids.length) return [];
    return this.Store.query()
      .whereIn('id', [...ids])
      .orderBy('created_at');
  }

  async listVersionsSince(since: Date): Promise<StoreRowVersion[]> {
    // Plain rows, no model hydration: after a burst of creates this reads many rows every cycle for a while.
    return this.db('stores')
      .select('id', 'status', 'phase', 'message', 'commit_sha', 'pull_request_number', 'attempt', 'updated_at')
      .where('updated_at', '>=', since);
  }

  async listDueCommit(limit: number): Promise<StoreModel[]> {
    return this.Store.query()
      .where((q) =>
        q
          .where((a) =>
            a
              .whereRaw('generation > committed_generation')
              // canProvision (store-lifecycle.ts) in SQL: Pending, running (Ready, Error/degraded) or Suspended
              .andWhere((b) => b.whereIn('status', ['Pending', 'Ready', 'Suspended']).orWhere((c) => c.where('status', 'Error').andWhere('phase', 'degraded'))),
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
    const changes = this.changes;
    if (!changes) return (await this.Store.query(tx && knexOf(tx)).deleteById(id)) === 1;
    // With a change hook, the removal and what it raises commit together (in the caller's transaction or one of its own).
    const run = async (trx: Knex.Transaction) => {
      const [row] = (await trx('stores').where('id', id).delete().returning('*')) as StoreModel[];
      if (row) await changes.removed(trx as unknown as Tx, Object.assign(new StoreModel(), row));
      return !!row;
    };
    return tx ? run(knexOf(tx)) : this.db.transaction(run);
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

  async findReplay(ownerId: string, name: string, idempotencyKey?: string): Promise<ReplayCandidates> {
    const { rows } = await this.db.raw<{ rows: Array<Record<string, unknown> & { idem_request_hash: string | null }> }>(
      `SELECT s.*, k.request_hash AS idem_request_hash
         FROM stores s
         LEFT JOIN idempotency_keys k
           ON k.store_id = s.id AND k.user_id = ? AND k.key = ? AND k.created_at > now() - interval '24 hours'
        WHERE s.owner_id = ? AND (lower(s.name) = lower(?) OR k.key IS NOT NULL)`,
      [ownerId, idempotencyKey ?? null, ownerId, name],
    );
    const out: ReplayCandidates = {};
    for (const { idem_request_hash, ...row } of rows) {
      const store = this.Store.fromDatabaseJson(row);
      if (idem_request_hash !== null) out.keyed = { requestHash: idem_request_hash, store };
      if (store.name.toLowerCase() === name.toLowerCase()) out.named = store;
    }
    return out;
  }

  async createPending(c: PendingCreate, tx: Tx): Promise<PendingCreateResult> {
    const j = c.job.row;
    const a = c.audit;
    // Data-modifying CTEs all run; each write after `ins` selects FROM it, so none happens without the
    // store. ON CONFLICT DO NOTHING: a domain committed by another user since the check (the owner's own
    // twin cannot appear: the caller holds the owner's lock).
    const { rows } = await knexOf(tx).raw<{ rows: Array<Record<string, unknown> & { kind: string | null; used: number; domain_taken: boolean }> }>(
      `WITH twin AS (
         SELECT * FROM stores WHERE owner_id = :owner AND lower(name) = lower(:name)
       ), used AS (
         SELECT coalesce(sum(coalesce((:weights::jsonb ->> plan)::int, 1)), 0)::int AS n FROM stores WHERE owner_id = :owner
       ), domain_owner AS (
         -- another store's default domain, or a custom domain a store has proved it owns
         SELECT 1 FROM stores WHERE domain = :domain
         UNION ALL SELECT 1 FROM store_domains WHERE domain = :domain AND status = 'verified'
       ), ins AS (
         INSERT INTO stores (id, owner_id, name, domain, plan, status, phase)
         SELECT :id, :owner, :name, :domain, :plan, :status, :phase
          WHERE NOT EXISTS (SELECT 1 FROM twin) AND (SELECT n FROM used) + :adds <= :quota AND NOT EXISTS (SELECT 1 FROM domain_owner)
         ON CONFLICT DO NOTHING
         RETURNING *
       ), ev AS (
         INSERT INTO store_events (store_id, status, phase, reason, message)
         SELECT id, :status, :phase, :reason, :message FROM ins
       ), idem AS (
         INSERT INTO idempotency_keys (user_id, key, request_hash, store_id)
         SELECT :owner, :idemKey, :idemHash, id FROM ins WHERE :idemKey::text IS NOT NULL
         ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash, store_id = excluded.store_id
       ), job AS (
         INSERT INTO agenda_jobs (id, name, priority, type, next_run_at, data, disabled)
         SELECT :jobId, :jobName, :jobPriority, :jobType, :jobNextRunAt, :jobData::jsonb, :jobDisabled FROM ins
         RETURNING id
       ), audit AS (
         INSERT INTO audit_events (action, outcome, user_id, identity, store_id, resource, source_ip, request_id, details)
         SELECT :auditAction, :auditOutcome, :auditUser, :auditIdentity, id, :auditResource, :auditIp, :auditRequest, :auditDetails::jsonb FROM ins
       )
       SELECT m.used, m.domain_taken, m.notified, r.*
         FROM (SELECT (SELECT n FROM used) AS used,
                      EXISTS (SELECT 1 FROM domain_owner) AS domain_taken,
                      (SELECT pg_notify(:channel, :payload) FROM job) AS notified) m
         LEFT JOIN (SELECT 'created' AS kind, ins.* FROM ins UNION ALL SELECT 'twin' AS kind, twin.* FROM twin) r ON true`,
      {
        id: c.id,
        owner: c.ownerId,
        name: c.name,
        domain: c.domain,
        plan: c.plan,
        quota: c.quotaLimit,
        weights: c.quotaWeights ? JSON.stringify(c.quotaWeights) : null,
        adds: c.adds,
        status: c.event.status,
        phase: c.event.phase,
        reason: c.event.reason,
        message: c.event.message ?? null,
        idemKey: c.idempotency?.key ?? null,
        idemHash: c.idempotency?.requestHash ?? null,
        jobId: j.id,
        jobName: j.name,
        jobPriority: j.priority,
        jobType: j.type,
        jobNextRunAt: j.next_run_at,
        jobData: j.data,
        jobDisabled: j.disabled,
        auditAction: a.action,
        auditOutcome: a.outcome,
        auditUser: a.user_id,
        auditIdentity: a.identity,
        auditResource: a.resource,
        auditIp: a.source_ip,
        auditRequest: a.request_id,
        auditDetails: JSON.stringify(a.details),
        channel: c.job.notify.channel,
        payload: c.job.notify.payload,
      },
    );
    const storeOf = (r: Record<string, unknown>) => {
      const { kind: _kind, used: _used, domain_taken: _taken, notified: _notified, ...row } = r;
      return this.Store.fromDatabaseJson(row);
    };
    const created = rows.find((r) => r.kind === 'created');
    if (created) return { kind: 'created', store: storeOf(created) };
    const twin = rows.find((r) => r.kind === 'twin');
    if (twin) return { kind: 'twin', store: storeOf(twin) };
    const first = rows[0]!;
    if (first.used + c.adds > c.quotaLimit) return { kind: 'over_quota', used: first.used };
    return { kind: 'domain_taken' };
  }

  async listPage(f: StoreListFilter): Promise<StoreListPage> {
    const k = this.db;
    const filtered = (qb: Knex.QueryBuilder) => {
      if (f.ownerId) qb.where('s.owner_id', f.ownerId);
      if (f.statuses?.length) qb.whereIn('s.status', f.statuses as StoreStatus[]);
      if (f.search) {
        // LIKE's own escape character is the backslash: the search is a substring, never a pattern.
        const like = `%${f.search.replace(/[\\%_]/g, '\\$&')}%`;
        qb.where((w) => w.where('s.name', 'ilike', like).orWhere('s.domain', 'ilike', like));
      }
    };
    const primary = f.sort === 'name' ? 'lower(s.name)' : f.sort === 'status' ? 's.status' : undefined;
    const keyCols = [...(primary ? [primary] : []), 's.created_at', 's.id'];
    const dir = f.order === 'asc' ? 'ASC' : 'DESC';
    const orderBy = keyCols.map((c) => `${c} ${dir}`).join(', ');
    const page = k
      .from('stores as s')
      .join('users as u', 'u.id', 's.owner_id')
      .select(
        's.id',
        's.owner_id',
        's.name',
        's.domain',
        's.status',
        's.phase',
        's.message',
        's.created_at',
        's.updated_at',
        's.ready_at',
        's.commit_sha',
        // what the summary presents: the plan, a suspension, the domain the store is shown at
        's.plan',
        's.suspended_at',
        's.suspended_by',
        's.suspended_by_kind',
        's.suspension_reason',
        's.primary_domain',
        'u.email as owner_email',
        k.raw('s.created_at::text AS key_at'),
        k.raw(`${primary ?? 'NULL::text'} AS key_v`),
        k.raw(`row_number() OVER (ORDER BY ${orderBy}) AS rn`),
      )
      .modify(filtered)
      .orderByRaw(orderBy)
      .limit(f.limit + 1);
    if (f.after) {
      const values = [...(primary ? [f.after.v] : []), f.after.at, f.after.id];
      const casts = [...(primary ? ['?::text'] : []), '?::timestamptz', '?::uuid'];
      page.whereRaw(`(${keyCols.join(', ')}) ${f.order === 'asc' ? '>' : '<'} (${casts.join(', ')})`, values);
    }
    if (f.offset) page.offset(f.offset);
    const total = k.from('stores as s').count('*').modify(filtered);
    // The caller's own stores for the quota: their plans (a quota may count plan units) and how many are suspended.
    const mine = k('stores')
      .select(k.raw(`coalesce(json_agg(plan), '[]'::json) AS plans`), k.raw(`count(*) FILTER (WHERE status = 'Suspended') AS suspended`))
      .where('owner_id', f.quotaOf);
    const override = k('users').select('store_quota').where('id', f.quotaOf);
    type Row = { total: string; plans: string[]; suspended: string; quota_override: number | null; items: Array<Record<string, unknown>> };
    const { rows } = await k.raw<{ rows: Row[] }>(
      `SELECT (?) AS total, m.plans, m.suspended, (?) AS quota_override,
              coalesce((SELECT json_agg(p ORDER BY p.rn) FROM (?) p), '[]'::json) AS items
         FROM (?) m`,
      [total, override, page, mine],
    );
    const r = rows[0]!;
    const items = r.items.slice(0, f.limit).map(({ owner_email, key_at, key_v, rn: _rn, ...row }) => ({
      // json_agg gives timestamps as text
      store: Object.assign(new this.Store(), row, {
        created_at: new Date(row.created_at as string),
        updated_at: new Date(row.updated_at as string),
        ready_at: row.ready_at ? new Date(row.ready_at as string) : null,
      }) as StoreModel,
      ownerEmail: owner_email as string,
      key: { v: (key_v as string | null) ?? null, at: key_at as string, id: row.id as string } satisfies StoreListKey,
    }));
    return {
      rows: items,
      hasMore: r.items.length > f.limit,
      total: Number(r.total),
      quota: { override: r.quota_override, used: r.plans.length, plans: r.plans, suspended: Number(r.suspended) },
    };
  }
}
