import { randomUUID } from 'node:crypto';
import type { CheckRecord, DomainRepository, StoreDomainRow } from '../../../src/features/domains/domain-repository.ts';

/** DomainRepository in memory, with the database's rules: one claim per store and domain, one verified claim per domain. */
export class FakeDomainRepository implements DomainRepository {
  readonly rows = new Map<string, StoreDomainRow>();
  #clock = 0;

  private copy(r: StoreDomainRow | undefined): StoreDomainRow | undefined {
    return r ? { ...r } : undefined;
  }

  async findById(id: string) {
    return this.copy(this.rows.get(id));
  }
  async lockById(id: string) {
    return this.copy(this.rows.get(id));
  }
  async find(storeId: string, domain: string) {
    return this.copy([...this.rows.values()].find((r) => r.store_id === storeId && r.domain === domain));
  }
  async listByStore(storeId: string) {
    return [...this.rows.values()].filter((r) => r.store_id === storeId).map((r) => ({ ...r }));
  }
  async findVerified(domain: string) {
    return this.copy([...this.rows.values()].find((r) => r.domain === domain && r.status === 'verified'));
  }
  async claim(row: { store_id: string; domain: string; token: string; expires_at: Date }) {
    const existing = [...this.rows.values()].find((r) => r.store_id === row.store_id && r.domain === row.domain);
    const saved: StoreDomainRow = {
      id: existing?.id ?? randomUUID(),
      ...row,
      status: 'pending',
      reason: null,
      created_at: new Date(Date.now() + this.#clock++),
      verified_at: null,
      last_checked_at: null,
      last_check_result: null,
      checks: 0,
    };
    this.rows.set(saved.id, saved);
    return { ...saved };
  }
  async recordCheck(id: string, check: CheckRecord) {
    const r = this.rows.get(id);
    if (r?.status === 'pending') Object.assign(r, { last_checked_at: check.at, last_check_result: check.result, checks: r.checks + 1 });
  }
  async markVerified(id: string, check: CheckRecord) {
    const r = this.rows.get(id);
    if (!r) return true;
    if ([...this.rows.values()].some((o) => o.id !== id && o.domain === r.domain && o.status === 'verified')) return false;
    Object.assign(r, {
      status: 'verified',
      reason: null,
      verified_at: check.at,
      last_checked_at: check.at,
      last_check_result: check.result,
      checks: r.checks + 1,
    });
    return true;
  }
  async end(id: string, status: 'expired' | 'failed', reason: string) {
    const r = this.rows.get(id);
    if (r?.status === 'pending') Object.assign(r, { status, reason });
  }
  async failOtherPending(domain: string, winnerId: string, reason: string) {
    const failed: StoreDomainRow[] = [];
    for (const r of this.rows.values())
      if (r.domain === domain && r.id !== winnerId && r.status === 'pending') {
        Object.assign(r, { status: 'failed', reason });
        failed.push({ ...r });
      }
    return failed;
  }
  async remove(id: string) {
    return this.rows.delete(id);
  }
  async expireOverdue(now: Date, reason: string) {
    const expired: StoreDomainRow[] = [];
    for (const r of this.rows.values())
      if (r.status === 'pending' && r.expires_at.getTime() <= now.getTime()) {
        Object.assign(r, { status: 'expired', reason });
        expired.push({ ...r });
      }
    return expired;
  }
}
