import type { AuditEventRow, AuditFilter, AuditRepository } from '../../../src/features/audit/audit-repository.ts';

/** AuditRepository in memory, newest first like the real one. */
export class FakeAuditRepository implements AuditRepository {
  readonly rows: AuditEventRow[] = [];

  async insert(row: Omit<AuditEventRow, 'id' | 'at'>, _tx?: unknown) {
    this.rows.push({ ...row, id: this.rows.length + 1, at: new Date() });
  }
  async list(f: AuditFilter) {
    return [...this.rows]
      .reverse()
      .filter(
        (r) =>
          (!f.userId || r.user_id === f.userId) &&
          (!f.storeId || r.store_id === f.storeId) &&
          (!f.action || r.action === f.action) &&
          (!f.since || r.at >= f.since) &&
          (!f.before || r.id < f.before),
      )
      .slice(0, f.limit);
  }
  actions(): string[] {
    return this.rows.map((r) => `${r.action}:${r.outcome}`);
  }
}
