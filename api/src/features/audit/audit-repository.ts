import type { Knex } from 'knex';
import { knexOf, type Tx } from '../../db/transactor.ts';

export type AuditEventRow = {
  id: number;
  at: Date;
  action: string;
  outcome: 'success' | 'failure';
  user_id: string | null;
  identity: string | null;
  store_id: string | null;
  resource: string | null;
  source_ip: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
};

export type AuditFilter = { userId?: string; storeId?: string; action?: string; since?: Date; limit: number; before?: number };

/** The audit table (append-only). */
export interface AuditRepository {
  /** In `tx` when given: the event commits (or not) with the change it records. */
  insert(row: Omit<AuditEventRow, 'id' | 'at'>, tx?: Tx): Promise<void>;
  /** Newest first, filtered. */
  list(f: AuditFilter): Promise<AuditEventRow[]>;
}

/** The AuditRepository over PostgreSQL. */
export class PgAuditRepository implements AuditRepository {
  private readonly knex: Knex;
  constructor(knex: Knex) {
    this.knex = knex;
  }

  async insert(row: Omit<AuditEventRow, 'id' | 'at'>, tx?: Tx): Promise<void> {
    await (tx ? knexOf(tx) : this.knex)('audit_events').insert({ ...row, details: JSON.stringify(row.details) });
  }

  async list(f: AuditFilter): Promise<AuditEventRow[]> {
    const q = this.knex<AuditEventRow>('audit_events').orderBy('id', 'desc').limit(f.limit);
    if (f.userId) q.where('user_id', f.userId);
    if (f.storeId) q.where('store_id', f.storeId);
    if (f.action) q.where('action', f.action);
    if (f.since) q.where('at', '>=', f.since);
    if (f.before) q.where('id', '<', f.before);
    return q;
  }
}
