import type { Knex } from 'knex';
import { knexOf, type Tx } from '../../db/transactor.ts';
import { isUniqueViolation } from '../../db/is-unique-violation.ts';

export const DOMAIN_STATUSES = ['pending', 'verified', 'expired', 'failed'] as const;
export type DomainStatus = (typeof DOMAIN_STATUSES)[number];

/** One claim of a custom domain by a store (table `store_domains`). */
export type StoreDomainRow = {
  id: string;
  store_id: string;
  domain: string;
  token: string;
  status: DomainStatus;
  reason: string | null;
  created_at: Date;
  expires_at: Date;
  verified_at: Date | null;
  last_checked_at: Date | null;
  last_check_result: string | null;
  checks: number;
};

/** What a check changes on a claim that is still pending. */
export type CheckRecord = { at: Date; result: string };

/**
 * Custom-domain claims. Methods that take a `tx` run in the caller's transaction (`lockById` holds the
 * row until it ends); without one they run on their own.
 */
export interface DomainRepository {
  findById(id: string, tx?: Tx): Promise<StoreDomainRow | undefined>;
  /** Reads and locks the claim (SELECT … FOR UPDATE) until the transaction ends. */
  lockById(id: string, tx: Tx): Promise<StoreDomainRow | undefined>;
  find(storeId: string, domain: string, tx?: Tx): Promise<StoreDomainRow | undefined>;
  /** The store's claims, oldest first. */
  listByStore(storeId: string): Promise<StoreDomainRow[]>;
  /** The verified claim of a domain, whichever store holds it. */
  findVerified(domain: string, tx?: Tx): Promise<StoreDomainRow | undefined>;
  /**
   * A new pending claim, or the store's expired/failed claim of that domain started over (new token,
   * new deadline, the check history cleared).
   */
  claim(row: { store_id: string; domain: string; token: string; expires_at: Date }, tx: Tx): Promise<StoreDomainRow>;
  /** Records a check of a pending claim. */
  recordCheck(id: string, check: CheckRecord, tx: Tx): Promise<void>;
  /**
   * Marks the claim verified; false (and the transaction still usable) when another store's claim of the
   * domain is verified already (the partial unique index).
   */
  markVerified(id: string, check: CheckRecord, tx: Tx): Promise<boolean>;
  /** Ends a pending claim: expired (not verified in time) or failed (someone else won, the store went). */
  end(id: string, status: 'expired' | 'failed', reason: string, tx: Tx): Promise<void>;
  /** Fails every other pending claim of the domain (another store verified it); the claims failed. */
  failOtherPending(domain: string, winnerId: string, reason: string, tx: Tx): Promise<StoreDomainRow[]>;
  remove(id: string, tx: Tx): Promise<boolean>;
  /** Expires every pending claim whose deadline has passed by `now`; the claims expired. */
  expireOverdue(now: Date, reason: string): Promise<StoreDomainRow[]>;
}

/** The DomainRepository over PostgreSQL. */
export class PgDomainRepository implements DomainRepository {
  private readonly db: Knex;

  constructor(knex: Knex) {
    this.db = knex;
  }

  private q(tx?: Tx) {
    return (tx ? knexOf(tx) : this.db)<StoreDomainRow>('store_domains');
  }

  async findById(id: string, tx?: Tx): Promise<StoreDomainRow | undefined> {
    return this.q(tx).where({ id }).first();
  }

  async lockById(id: string, tx: Tx): Promise<StoreDomainRow | undefined> {
    return this.q(tx).where({ id }).forUpdate().first();
  }

  async find(storeId: string, domain: string, tx?: Tx): Promise<StoreDomainRow | undefined> {
    return this.q(tx).where({ store_id: storeId, domain }).first();
  }

  async listByStore(storeId: string): Promise<StoreDomainRow[]> {
    return this.q().where({ store_id: storeId }).orderBy('created_at').orderBy('id');
  }

  async findVerified(domain: string, tx?: Tx): Promise<StoreDomainRow | undefined> {
    return this.q(tx).where({ domain, status: 'verified' }).first();
  }

  async claim(row: { store_id: string; domain: string; token: string; expires_at: Date }, tx: Tx): Promise<StoreDomainRow> {
    const trx = knexOf(tx);
    const [saved] = await trx<StoreDomainRow>('store_domains')
      .insert({ ...row, status: 'pending' })
      .onConflict(['store_id', 'domain'])
      .merge({
        token: row.token,
        expires_at: row.expires_at,
        status: 'pending',
        reason: null,
        created_at: trx.fn.now() as unknown as Date,
        verified_at: null,
        last_checked_at: null,
        last_check_result: null,
        checks: 0,
      })
      .returning('*');
    return saved!;
  }

  async recordCheck(id: string, check: CheckRecord, tx: Tx): Promise<void> {
    await this.q(tx)
      .where({ id, status: 'pending' })
      .update({ last_checked_at: check.at, last_check_result: check.result, checks: knexOf(tx).raw('checks + 1') as unknown as number });
  }

  async markVerified(id: string, check: CheckRecord, tx: Tx): Promise<boolean> {
    try {
      // A savepoint: the unique violation rolls back this update only, not the caller's transaction.
      await knexOf(tx).transaction((sp) =>
        sp<StoreDomainRow>('store_domains')
          .where({ id })
          .update({
            status: 'verified',
            reason: null,
            verified_at: check.at,
            last_checked_at: check.at,
            last_check_result: check.result,
            checks: sp.raw('checks + 1') as unknown as number,
          }),
      );
      return true;
    } catch (err) {
      if (isUniqueViolation(err, 'store_domains_verified_unique')) return false;
      throw err;
    }
  }

  async end(id: string, status: 'expired' | 'failed', reason: string, tx: Tx): Promise<void> {
    await this.q(tx).where({ id, status: 'pending' }).update({ status, reason });
  }

  async failOtherPending(domain: string, winnerId: string, reason: string, tx: Tx): Promise<StoreDomainRow[]> {
    return this.q(tx).where({ domain, status: 'pending' }).whereNot({ id: winnerId }).update({ status: 'failed', reason }).returning('*');
  }

  async remove(id: string, tx: Tx): Promise<boolean> {
    return (await this.q(tx).where({ id }).delete()) === 1;
  }

  async expireOverdue(now: Date, reason: string): Promise<StoreDomainRow[]> {
    return this.q().where({ status: 'pending' }).andWhere('expires_at', '<=', now).update({ status: 'expired', reason }).returning('*');
  }
}
