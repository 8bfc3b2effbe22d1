import { randomUUID } from 'node:crypto';
import { StoreModel } from '../../../src/db/models/store-model.ts';
import { StoreEventModel } from '../../../src/db/models/store-event-model.ts';
import { canProvision } from '../../../src/features/stores/store-lifecycle.ts';
import type {
  IdempotencyKeyRow,
  NewStoreEvent,
  PendingCreate,
  PendingCreateResult,
  ReplayCandidates,
  StoreRepository,
  StoreTransition,
} from '../../../src/features/stores/store-repository.ts';
import type { StoreListFilter, StoreListPage } from '../../../src/features/stores/store-list.ts';
import type { FakeJobQueue } from './fake-job-queue.ts';
import type { FakeAuditRepository } from './fake-audit-repository.ts';
import type { FakeUserRepository } from './fake-user-repository.ts';

type Sinks = {
  jobs?: FakeJobQueue;
  audit?: FakeAuditRepository;
  users?: FakeUserRepository;
  verifiedDomain?: (domain: string) => Promise<unknown>;
};

/** StoreRepository in memory: the same answers as PgStoreRepository for what services rely on. */
export class FakeStoreRepository implements StoreRepository {
  readonly rows = new Map<string, StoreModel>();
  readonly timeline: StoreEventModel[] = [];
  readonly keys: Array<IdempotencyKeyRow & { created_at: Date }> = [];
  #eventId = 0;
  #clock = 0;
  /** Where a create's job and audit event go (the real repository writes them in the create's statement). */
  readonly #sinks: Sinks;

  /** Where a create's job and audit row go, whose users a list reads, and which custom domains are verified (the domains feature). */
  constructor(sinks: Sinks = {}) {
    this.#sinks = sinks;
  }

  /** Puts a store in as it is (for a test's starting point); fields not given get the defaults of a new row. */
  seed(row: Partial<StoreModel> & { owner_id: string; name: string }): StoreModel {
    const now = new Date(Date.now() + this.#clock++);
    const store = Object.assign(new StoreModel(), {
      id: randomUUID(),
      domain: `${row.name.toLowerCase()}.example.test`,
      status: 'Pending',
      phase: 'queued',
      message: null,
      commit_sha: null,
      sealed_secrets: null,
      admin_username: null,
      admin_password_enc: null,
      created_at: now,
      updated_at: now,
      ready_at: null,
      committed_at: null,
      pull_request_number: null,
      pull_request_url: null,
      attempt: 0,
      generation: 1,
      // a store seeded past Pending has been committed at its generation
      committed_generation: row.status && row.status !== 'Pending' ? 1 : 0,
      suspended_at: null,
      suspended_by: null,
      suspended_by_kind: null,
      suspension_reason: null,
      plan: 'small',
      custom_domains: [],
      primary_domain: null,
      ...row,
    });
    this.rows.set(store.id, store);
    return this.copy(store)!;
  }

  private copy(s: StoreModel | undefined): StoreModel | undefined {
    return s ? Object.assign(new StoreModel(), s) : undefined;
  }

  private patch(id: string, p: Partial<StoreModel>): StoreModel | undefined {
    const s = this.rows.get(id);
    if (!s) return undefined;
    Object.assign(s, p, { updated_at: new Date() });
    return this.copy(s);
  }

  async findById(id: string) {
    return this.copy(this.rows.get(id));
  }
  async lockById(id: string) {
    return this.copy(this.rows.get(id));
  }
  async findByOwnerAndName(ownerId: string, name: string) {
    return this.copy([...this.rows.values()].find((s) => s.owner_id === ownerId && s.name.toLowerCase() === name.toLowerCase()));
  }
  async findByDomain(domain: string) {
    return this.copy([...this.rows.values()].find((s) => s.domain === domain));
  }
  async listByOwner(ownerId: string) {
    return (await this.listAll()).filter((s) => s.owner_id === ownerId);
  }
  async listAll() {
    return [...this.rows.values()].sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || a.id.localeCompare(b.id)).map((s) => this.copy(s)!);
  }
  async countByOwner(ownerId: string) {
    return [...this.rows.values()].filter((s) => s.owner_id === ownerId).length;
  }
  async countByStatus() {
    const out: Record<string, number> = {};
    for (const s of this.rows.values()) out[s.status] = (out[s.status] ?? 0) + 1;
    return out;
  }
  async plansByOwner(ownerId: string) {
    return [...this.rows.values()].filter((s) => s.owner_id === ownerId).map((s) => s.plan);
  }
  async insert(row: { owner_id: string; name: string; domain: string; plan?: string }) {
    if ([...this.rows.values()].some((s) => s.domain === row.domain)) return undefined;
    return this.seed({ ...row, ...(row.plan ? {} : { plan: 'small' }) });
  }
  async transition(id: string, to: StoreTransition) {
    const s = this.patch(id, { status: to.status, phase: to.phase, message: to.message ?? null });
    if (s) await this.addEvent(id, to);
    return s;
  }
  async addEvent(storeId: string, e: NewStoreEvent) {
    this.timeline.push(
      Object.assign(new StoreEventModel(), {
        id: ++this.#eventId,
        store_id: storeId,
        status: e.status,
        phase: e.phase,
        reason: e.reason,
        message: e.message ?? null,
        created_at: new Date(),
      }),
    );
  }
  async events(storeId: string) {
    return this.timeline.filter((e) => e.store_id === storeId);
  }
  async saveSecretsOnce(id: string, sealed: Record<string, string>, adminUsername: string, adminPasswordEnc: string) {
    const s = this.rows.get(id);
    if (!s || s.sealed_secrets) return false;
    this.patch(id, { sealed_secrets: sealed, admin_username: adminUsername, admin_password_enc: adminPasswordEnc });
    return true;
  }
  async markCommitted(id: string, c: { sha: string; pullRequest?: { number: number; url: string }; generation: number }) {
    const cur = this.rows.get(id);
    this.patch(id, {
      committed_generation: Math.max(cur?.committed_generation ?? 0, c.generation),
      commit_sha: c.sha,
      committed_at: new Date(),
      pull_request_number: c.pullRequest?.number ?? null,
      pull_request_url: c.pullRequest?.url ?? null,
    });
  }
  async markReady(id: string) {
    const s = this.rows.get(id);
    if (s && !s.ready_at) s.ready_at = new Date();
  }
  async bumpAttempt(id: string) {
    const s = this.rows.get(id);
    if (s) s.attempt += 1;
    await this.bumpGeneration(id);
  }
  async bumpGeneration(id: string, _tx?: unknown, desired: Partial<StoreModel> = {}) {
    const s = this.rows.get(id);
    if (s) this.patch(id, { ...desired, generation: s.generation + 1 });
  }
  async listForStatus() {
    return [...this.rows.values()].sort((a, b) => a.created_at.getTime() - b.created_at.getTime()).map((s) => this.copy(s)!);
  }
  async listForStatusByIds(ids: readonly string[]) {
    const wanted = new Set(ids);
    return (await this.listForStatus()).filter((s) => wanted.has(s.id));
  }
  async listVersionsSince(since: Date) {
    return (await this.listForStatus()).filter((s) => s.updated_at.getTime() >= since.getTime());
  }
  async listDueCommit(limit: number) {
    const due = (s: StoreModel) => (s.generation > s.committed_generation && canProvision(s)) || (s.status === 'Deleting' && s.phase === 'deleting');
    return [...this.rows.values()]
      .filter(due)
      .sort((a, b) => a.updated_at.getTime() - b.updated_at.getTime() || a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((s) => this.copy(s)!);
  }
  async listByIds(ids: string[]) {
    return ids.flatMap((id) => (this.rows.has(id) ? [this.copy(this.rows.get(id))!] : []));
  }
  async remove(id: string) {
    for (let i = this.keys.length - 1; i >= 0; i--) if (this.keys[i]!.store_id === id) this.keys.splice(i, 1);
    return this.rows.delete(id);
  }
  async findIdempotencyKey(userId: string, key: string) {
    const k = this.keys.find((r) => r.user_id === userId && r.key === key && Date.now() - r.created_at.getTime() < 24 * 3600_000);
    return k ? { request_hash: k.request_hash, store_id: k.store_id } : undefined;
  }
  async saveIdempotencyKey(row: IdempotencyKeyRow) {
    const i = this.keys.findIndex((r) => r.user_id === row.user_id && r.key === row.key);
    if (i >= 0) this.keys.splice(i, 1);
    this.keys.push({ ...row, created_at: new Date() });
  }
  async findReplay(ownerId: string, name: string, idempotencyKey?: string): Promise<ReplayCandidates> {
    const out: ReplayCandidates = {};
    const k = idempotencyKey ? await this.findIdempotencyKey(ownerId, idempotencyKey) : undefined;
    const keyed = k && (await this.findById(k.store_id));
    if (k && keyed) out.keyed = { requestHash: k.request_hash, store: keyed };
    const named = await this.findByOwnerAndName(ownerId, name);
    if (named) out.named = named;
    return out;
  }

  async createPending(c: PendingCreate): Promise<PendingCreateResult> {
    const twin = await this.findByOwnerAndName(c.ownerId, c.name);
    if (twin) return { kind: 'twin', store: twin };
    const used = [...this.rows.values()].filter((s) => s.owner_id === c.ownerId).reduce((n, s) => n + (c.quotaWeights?.[s.plan] ?? 1), 0);
    if (used + c.adds > c.quotaLimit) return { kind: 'over_quota', used };
    if ((await this.findByDomain(c.domain)) || (await this.#sinks.verifiedDomain?.(c.domain))) return { kind: 'domain_taken' };
    const store = this.seed({ id: c.id, owner_id: c.ownerId, name: c.name, domain: c.domain, plan: c.plan });
    await this.addEvent(store.id, c.event);
    if (c.idempotency)
      await this.saveIdempotencyKey({ user_id: c.ownerId, key: c.idempotency.key, request_hash: c.idempotency.requestHash, store_id: store.id });
    this.#sinks.jobs?.accept(c.job);
    await this.#sinks.audit?.insert(c.audit);
    return { kind: 'created', store };
  }

  async listPage(f: StoreListFilter): Promise<StoreListPage> {
    const search = f.search?.toLowerCase();
    const keyOf = (s: StoreModel) => ({
      v: f.sort === 'name' ? s.name.toLowerCase() : f.sort === 'status' ? s.status : null,
      at: s.created_at.toISOString(),
      id: s.id,
    });
    const cmp = (a: { v: string | null; at: string; id: string }, b: typeof a) =>
      (a.v ?? '').localeCompare(b.v ?? '') || new Date(a.at).getTime() - new Date(b.at).getTime() || a.id.localeCompare(b.id);
    const sign = f.order === 'asc' ? 1 : -1;
    const matching = [...this.rows.values()].filter(
      (s) =>
        (!f.ownerId || s.owner_id === f.ownerId) &&
        (!f.statuses?.length || f.statuses.includes(s.status)) &&
        (!search || s.name.toLowerCase().includes(search) || s.domain.includes(search)),
    );
    const sorted = matching.sort((a, b) => sign * cmp(keyOf(a), keyOf(b)));
    const after = f.after;
    const rest = after ? sorted.filter((s) => sign * cmp(keyOf(s), after) > 0) : sorted;
    const page = rest.slice(f.offset ?? 0, (f.offset ?? 0) + f.limit);
    const owner = this.#sinks.users?.rows.get(f.quotaOf);
    return {
      rows: page.map((s) => ({ store: this.copy(s)!, ownerEmail: this.#sinks.users?.rows.get(s.owner_id)?.email ?? '', key: keyOf(s) })),
      hasMore: rest.length > (f.offset ?? 0) + f.limit,
      total: matching.length,
      quota: {
        override: owner?.store_quota ?? null,
        used: await this.countByOwner(f.quotaOf),
        plans: await this.plansByOwner(f.quotaOf),
        suspended: [...this.rows.values()].filter((s) => s.owner_id === f.quotaOf && s.status === 'Suspended').length,
      },
    };
  }
}
