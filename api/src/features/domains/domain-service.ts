import { randomBytes } from 'node:crypto';
import type { Actor } from '../../auth/actor.ts';
import type { Tx, Transactor } from '../../db/transactor.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors/app-error.ts';
import { JOBS, type JobQueue } from '../../jobs/job-queue.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { CertificateState, ClusterClient } from '../provisioning/cluster-client.ts';
import { storeResourceName } from '../../../../renderer/src/render-store.ts';
import { nameAndDomainProblems } from '../stores/domain-policy.ts';
import { canChangeDomains } from '../stores/store-lifecycle.ts';
import type { StoreRepository } from '../stores/store-repository.ts';
import type { DomainEvents } from './domain-events.ts';
import type { DomainRepository, StoreDomainRow } from './domain-repository.ts';
import { challengeName, evaluateLookup, nextCheckDelayMs } from './domain-verification.ts';
import type { TxtResolver } from './txt-resolver.ts';

export type DomainSettings = {
  baseDomain: string;
  reservedNames: readonly string[];
  /** A pending claim expires this long after it was made. */
  verificationTimeoutMs: number;
  /** First interval between scheduled checks (doubling, capped at maxCheckIntervalMs). */
  checkIntervalMs: number;
  maxCheckIntervalMs: number;
};

/** How a domain's certificate stands: none (not verified), pending (not in the certificate yet), issuing, ready, unknown (cluster unreachable). */
export type CertificateStatus = 'none' | 'pending' | 'issuing' | 'ready' | 'unknown';

/** A claim as the API shows it, with what the store and its certificate say about it. */
export type DomainView = { claim: StoreDomainRow; primary: boolean; certificate: { status: CertificateStatus; message: string | null } };

type Deps = {
  domains: DomainRepository;
  stores: StoreRepository;
  jobs: JobQueue;
  tx: Transactor;
  audit: AuditLog;
  resolver: TxtResolver;
  events: DomainEvents;
  /** Where certificate status comes from; absent on an API replica without a cluster (status `unknown`). */
  cluster?: Pick<ClusterClient, 'readCertificate'>;
  settings: DomainSettings;
  now?: () => Date;
};

const LOST = 'Another store proved ownership of this domain first.';

/** cert-manager's ingress-shim names the store's Certificate after its TLS Secret (the chart's `store-<id>-tls`). */
export const certificateOf = (storeId: string) => ({ namespace: storeResourceName(storeId), name: `store-${storeId}-tls` });

/**
 * Custom domains with proof of ownership. A claim gets a random token to publish as a TXT record; a job
 * checks it with back-off until it matches (verified) or the claim's time runs out (expired). Verifying,
 * removing a verified domain and switching the primary change the store's desired state: each is ONE
 * transaction that bumps the store's generation, adds a timeline event and enqueues the committer (one
 * commit). The store keeps its status, phase and message: it serves throughout (a failure reason stays
 * shown), and each domain's certificate status says how far the rollout is.
 */
export class DomainService {
  private readonly domains: DomainRepository;
  private readonly stores: StoreRepository;
  private readonly jobs: JobQueue;
  private readonly tx: Transactor;
  private readonly audit: AuditLog;
  private readonly resolver: TxtResolver;
  private readonly events: DomainEvents;
  private readonly cluster: Deps['cluster'];
  private readonly settings: DomainSettings;
  private readonly now: () => Date;

  constructor(deps: Deps) {
    this.domains = deps.domains;
    this.stores = deps.stores;
    this.jobs = deps.jobs;
    this.tx = deps.tx;
    this.audit = deps.audit;
    this.resolver = deps.resolver;
    this.events = deps.events;
    this.cluster = deps.cluster;
    this.settings = deps.settings;
    this.now = deps.now ?? (() => new Date());
  }

  /** The store, if the actor may manage it: its owner, or an operator (others: 403, audited). */
  private async visibleStore(actor: Actor, storeId: string, intent: string): Promise<StoreModel> {
    const store = await this.stores.findById(storeId);
    if (!store) throw new NotFoundError('Store not found.');
    if (store.owner_id !== actor.userId && actor.role !== 'operator') {
      await this.audit.record({ action: 'authz.denied', outcome: 'failure', actor, storeId, resource: `store:${storeId}`, details: { intent } });
      throw new ForbiddenError('This store belongs to another user.');
    }
    return store;
  }

  private async claimOf(storeId: string, domain: string, tx?: Tx): Promise<StoreDomainRow> {
    const claim = await this.domains.find(storeId, domain, tx);
    if (!claim) throw new NotFoundError(`The store has no domain ${domain}.`);
    return claim;
  }

  private static taken(domain: string): ConflictError {
    return new ConflictError('domain_taken', `The domain ${domain} is already in use by another store.`);
  }

  /**
   * POST /stores/:id/domains: a pending claim with a fresh token, and its first check scheduled. 409 when
   * another store holds the domain (verified, or as its default domain) or this store has it already.
   */
  async add(actor: Actor, storeId: string, domain: string): Promise<StoreDomainRow> {
    const store = await this.visibleStore(actor, storeId, 'domains');
    const refused = nameAndDomainProblems({ name: store.name, domain }, this.settings);
    const policy = refused.filter((p) => p.field === 'domain');
    // The store-create rule lets a store keep `<name>.<BASE_DOMAIN>`; as a custom domain it is the platform's too.
    if (!policy.length && domain.endsWith(`.${this.settings.baseDomain}`) && domain !== store.domain)
      policy.push({
        field: 'domain',
        message: `Domains under ${this.settings.baseDomain} are the platform's; use a domain of your own.`,
        code: 'domain_reserved',
      });
    if (policy.length) throw new ValidationError(policy, policy.map((p) => p.message).join(' '));
    if (domain === store.domain) throw new ConflictError('domain_exists', `${domain} is this store's default domain already.`);
    const claim = await this.tx.run(async (tx) => {
      const locked = await this.stores.lockById(storeId, tx);
      if (!locked) throw new NotFoundError('Store not found.');
      if (!canChangeDomains(locked)) throw new ConflictError('store_deleting', 'The store is being deleted; its domains can no longer change.');
      const own = await this.domains.find(storeId, domain, tx);
      if (own && (own.status === 'pending' || own.status === 'verified'))
        throw new ConflictError('domain_exists', `The store already has ${domain} (${own.status}).`);
      const verified = await this.domains.findVerified(domain, tx);
      if (verified && verified.store_id !== storeId) throw DomainService.taken(domain);
      const other = await this.stores.findByDomain(domain, tx);
      if (other && other.id !== storeId) throw DomainService.taken(domain);
      const saved = await this.domains.claim(
        {
          store_id: storeId,
          domain,
          token: randomBytes(24).toString('base64url'),
          expires_at: new Date(this.now().getTime() + this.settings.verificationTimeoutMs),
        },
        tx,
      );
      await this.jobs.enqueue(tx, JOBS.verifyDomain, { domainId: saved.id, storeId }, { delayMs: this.settings.checkIntervalMs });
      return saved;
    });
    await this.audit.record({ action: 'domain.claim', outcome: 'success', actor, storeId, resource: `store:${storeId}`, details: { domain } });
    return claim;
  }

  /** GET /stores/:id/domains: every claim, its state, and (for verified ones) the certificate's. */
  async list(actor: Actor, storeId: string): Promise<DomainView[]> {
    const store = await this.visibleStore(actor, storeId, 'read');
    const claims = await this.domains.listByStore(storeId);
    const cert = claims.some((c) => c.status === 'verified') ? await this.readCertificate(storeId) : null;
    return claims.map((c) => this.view(store, c, cert));
  }

  /** One claim, as list() shows it. */
  async get(actor: Actor, storeId: string, domain: string): Promise<DomainView> {
    const store = await this.visibleStore(actor, storeId, 'read');
    const claim = await this.claimOf(storeId, domain);
    return this.view(store, claim, claim.status === 'verified' ? await this.readCertificate(storeId) : null);
  }

  /** The store's Certificate; undefined when the cluster cannot say (no cluster, or unreachable). */
  private async readCertificate(storeId: string): Promise<CertificateState | null | undefined> {
    if (!this.cluster) return undefined;
    const { namespace, name } = certificateOf(storeId);
    try {
      return await this.cluster.readCertificate(namespace, name);
    } catch {
      return undefined;
    }
  }

  private view(store: StoreModel, c: StoreDomainRow, cert: CertificateState | null | undefined): DomainView {
    // A pending claim past its deadline is expired even before the job has said so.
    const claim =
      c.status === 'pending' && c.expires_at.getTime() <= this.now().getTime() ? { ...c, status: 'expired' as const, reason: this.expiryReason() } : c;
    return { claim, primary: store.primary_domain === c.domain, certificate: DomainService.certificateStatus(claim, cert) };
  }

  static certificateStatus(c: Pick<StoreDomainRow, 'status' | 'domain'>, cert: CertificateState | null | undefined): DomainView['certificate'] {
    if (c.status !== 'verified') return { status: 'none', message: null };
    if (cert === undefined) return { status: 'unknown', message: 'The cluster could not be reached.' };
    if (cert === null || !cert.dnsNames.includes(c.domain)) return { status: 'pending', message: 'Waiting for the store’s certificate to include the domain.' };
    return cert.ready ? { status: 'ready', message: null } : { status: 'issuing', message: cert.message };
  }

  /** POST /stores/:id/domains/:domain/check: checks a pending claim now (verified claims are answered as they are). */
  async checkNow(actor: Actor, storeId: string, domain: string): Promise<DomainView> {
    await this.visibleStore(actor, storeId, 'domains');
    const claim = await this.claimOf(storeId, domain);
    if (claim.status === 'pending' && claim.expires_at.getTime() > this.now().getTime()) {
      await this.check(claim, false);
    } else if (claim.status !== 'verified') {
      throw new ConflictError('claim_ended', `This claim is ${claim.status === 'pending' ? 'expired' : claim.status}; add the domain again for a new token.`);
    }
    return this.get(actor, storeId, domain);
  }

  /**
   * The scheduled check (the `domain.verify` job): expires a claim past its deadline, else checks it and,
   * unless verified, schedules the next check with back-off (never later than the deadline). A claim no
   * longer pending is left alone, so a repeated or stale job does nothing.
   */
  async runScheduledCheck(domainId: string): Promise<void> {
    const claim = await this.domains.findById(domainId);
    if (!claim || claim.status !== 'pending') return;
    if (claim.expires_at.getTime() <= this.now().getTime()) {
      await this.expire(claim);
      return;
    }
    await this.check(claim, true);
  }

  private expiryReason(): string {
    const hours = Math.round((this.settings.verificationTimeoutMs / 3_600_000) * 10) / 10;
    return `Not verified within ${hours} h; the domain is free again. Add it again for a new token.`;
  }

  private async expire(claim: StoreDomainRow): Promise<void> {
    const ended = await this.tx.run(async (tx) => {
      const cur = await this.domains.lockById(claim.id, tx);
      if (cur?.status !== 'pending') return false;
      await this.domains.end(cur.id, 'expired', this.expiryReason(), tx);
      return true;
    });
    if (ended) await this.auditExpired(claim);
  }

  private auditExpired(claim: Pick<StoreDomainRow, 'store_id' | 'domain'>): Promise<void> {
    return this.audit.record({
      action: 'domain.expired',
      outcome: 'failure',
      storeId: claim.store_id,
      resource: `store:${claim.store_id}`,
      details: { domain: claim.domain },
    });
  }

  /**
   * The sweep (a recurring job): expires every pending claim past its deadline, so a claim whose chain
   * of checks broke (a job that gave up during a database outage) still ends, and its domain is free.
   */
  async expireOverdue(): Promise<number> {
    const expired = await this.domains.expireOverdue(this.now(), this.expiryReason());
    for (const claim of expired) await this.auditExpired(claim);
    return expired.length;
  }

  /** One check: the lookup, then (one transaction) the outcome recorded and the next check scheduled, or the verification. */
  private async check(claim: StoreDomainRow, scheduleNext: boolean): Promise<void> {
    const name = challengeName(claim.domain);
    const outcome = evaluateLookup(name, claim.token, await this.resolver.resolveTxt(name));
    const at = this.now();
    if (outcome.verified) {
      await this.verify(claim, { at, result: outcome.result });
      return;
    }
    await this.tx.run(async (tx) => {
      const cur = await this.domains.lockById(claim.id, tx);
      if (cur?.status !== 'pending') return;
      await this.domains.recordCheck(cur.id, { at, result: outcome.result }, tx);
      if (!scheduleNext) return;
      const untilDeadline = cur.expires_at.getTime() - at.getTime();
      const delayMs = Math.max(0, Math.min(nextCheckDelayMs(cur.checks + 1, this.settings), untilDeadline));
      await this.jobs.enqueue(tx, JOBS.verifyDomain, { domainId: cur.id, storeId: cur.store_id }, { delayMs });
    });
  }

  /**
   * The record matched. In ONE transaction: the claim verified (the partial unique index decides a race
   * between stores: the loser's claim fails), other stores' pending claims of the domain failed, the
   * domain added to the store's desired state (generation bumped, committer enqueued: one commit), and
   * the `domain.verified` event written.
   */
  private async verify(claim: StoreDomainRow, check: { at: Date; result: string }): Promise<void> {
    const outcome = await this.tx.run(async (tx): Promise<{ verified: boolean; ownerId?: string; failed: StoreDomainRow[] }> => {
      const store = await this.stores.lockById(claim.store_id, tx);
      const cur = await this.domains.lockById(claim.id, tx);
      if (cur?.status !== 'pending') return { verified: false, failed: [] };
      if (!store || !canChangeDomains(store)) {
        await this.domains.end(cur.id, 'failed', 'The store is being deleted.', tx);
        return { verified: false, failed: [] };
      }
      const other = await this.stores.findByDomain(cur.domain, tx);
      if ((other && other.id !== store.id) || !(await this.domains.markVerified(cur.id, check, tx))) {
        await this.domains.end(cur.id, 'failed', other && other.id !== store.id ? 'The domain became another store’s default domain.' : LOST, tx);
        return { verified: false, failed: [] };
      }
      const failed = await this.domains.failOtherPending(cur.domain, cur.id, LOST, tx);
      await this.stores.bumpGeneration(store.id, tx, { custom_domains: [...store.custom_domains.filter((d) => d !== cur.domain), cur.domain] });
      await this.stores.addEvent(
        store.id,
        {
          status: store.status,
          phase: store.phase,
          reason: 'DomainVerified',
          message: `Verified ${cur.domain}; adding it to the store’s Ingress and certificate.`,
        },
        tx,
      );
      await this.jobs.enqueue(tx, JOBS.provisionStore, { storeId: store.id });
      await this.events.publish(tx, {
        type: 'domain.verified',
        userId: store.owner_id,
        storeId: store.id,
        data: { domain: cur.domain, verifiedAt: check.at.toISOString() },
      });
      return { verified: true, ownerId: store.owner_id, failed };
    });
    if (outcome.verified)
      await this.audit.record({
        action: 'domain.verified',
        outcome: 'success',
        userId: outcome.ownerId,
        storeId: claim.store_id,
        resource: `store:${claim.store_id}`,
        details: { domain: claim.domain },
      });
    for (const lost of outcome.failed)
      await this.audit.record({
        action: 'domain.claim_lost',
        outcome: 'failure',
        storeId: lost.store_id,
        resource: `store:${lost.store_id}`,
        details: { domain: lost.domain },
      });
  }

  /** DELETE /stores/:id/domains/:domain: removes the claim; a verified domain leaves the store's Ingress (one commit). */
  async remove(actor: Actor, storeId: string, domain: string): Promise<void> {
    await this.visibleStore(actor, storeId, 'domains');
    const wasVerified = await this.tx.run(async (tx) => {
      const store = await this.stores.lockById(storeId, tx);
      if (!store) throw new NotFoundError('Store not found.');
      const claim = await this.claimOf(storeId, domain, tx);
      if (claim.status !== 'verified') {
        await this.domains.remove(claim.id, tx);
        return false;
      }
      if (!canChangeDomains(store)) throw new ConflictError('store_deleting', 'The store is being deleted; its domains can no longer change.');
      await this.domains.remove(claim.id, tx);
      await this.stores.bumpGeneration(store.id, tx, {
        custom_domains: store.custom_domains.filter((d) => d !== domain),
        ...(store.primary_domain === domain ? { primary_domain: null } : {}),
      });
      await this.stores.addEvent(
        store.id,
        { status: store.status, phase: store.phase, reason: 'DomainRemoved', message: `Removing ${domain} from the store’s Ingress and certificate.` },
        tx,
      );
      await this.jobs.enqueue(tx, JOBS.provisionStore, { storeId });
      return true;
    });
    await this.audit.record({ action: 'domain.remove', outcome: 'success', actor, storeId, resource: `store:${storeId}`, details: { domain, wasVerified } });
  }

  /**
   * PATCH /stores/:id/domains/:domain {primary}: a verified domain becomes the URL shown (the default
   * domain stays as a fallback host); `false` on the primary goes back to the default domain. Exactly one
   * primary at a time: it is one column of the store. Rendered (the Application's URL, WordPress's home),
   * so one commit; setting what is already set changes nothing.
   */
  async setPrimary(actor: Actor, storeId: string, domain: string, primary: boolean): Promise<DomainView> {
    await this.visibleStore(actor, storeId, 'domains');
    const changed = await this.tx.run(async (tx) => {
      const store = await this.stores.lockById(storeId, tx);
      if (!store) throw new NotFoundError('Store not found.');
      const claim = await this.claimOf(storeId, domain, tx);
      if (primary && claim.status !== 'verified')
        throw new ConflictError('not_verified', `Only a verified domain can be primary; ${domain} is ${claim.status}.`);
      const next = primary ? domain : store.primary_domain === domain ? null : store.primary_domain;
      if (next === store.primary_domain) return false;
      if (!canChangeDomains(store)) throw new ConflictError('store_deleting', 'The store is being deleted; its domains can no longer change.');
      await this.stores.bumpGeneration(store.id, tx, { primary_domain: next });
      await this.stores.addEvent(
        store.id,
        { status: store.status, phase: store.phase, reason: 'PrimaryDomainChanged', message: `The store’s address is now ${next ?? store.domain}.` },
        tx,
      );
      await this.jobs.enqueue(tx, JOBS.provisionStore, { storeId });
      return true;
    });
    if (changed)
      await this.audit.record({ action: 'domain.primary', outcome: 'success', actor, storeId, resource: `store:${storeId}`, details: { domain, primary } });
    return this.get(actor, storeId, domain);
  }
}
