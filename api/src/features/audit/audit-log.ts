import type { Request } from 'express';
import type { Logger } from 'pino';
import type { AuditRepository, AuditEventRow } from './audit-repository.ts';

export type AuditEntry = {
  action: string;
  outcome: 'success' | 'failure';
  req?: Request;
  userId?: string | null;
  identity?: string | null;
  storeId?: string | null;
  resource?: string | null;
  details?: Record<string, unknown>;
};

/**
 * Writes audit events to the audit table and, structured, to the log. Never throws: an audit write that
 * fails (database down) is logged and the request goes on.
 */
export class AuditLog {
  private readonly repo: AuditRepository;
  private readonly logger: Logger;

  constructor(repo: AuditRepository, logger: Logger) {
    this.repo = repo;
    this.logger = logger.child({ component: 'audit' });
  }

  async record(entry: AuditEntry): Promise<void> {
    const row: Omit<AuditEventRow, 'id' | 'at'> = {
      action: entry.action,
      outcome: entry.outcome,
      user_id: entry.userId ?? entry.req?.auth?.userId ?? null,
      identity: entry.identity ?? entry.req?.auth?.email ?? null,
      store_id: entry.storeId ?? null,
      resource: entry.resource ?? null,
      source_ip: entry.req?.ip ?? null,
      request_id: entry.req ? String(entry.req.id ?? '') || null : null,
      details: entry.details ?? {},
    };
    this.logger.info({ audit: row }, `audit ${row.action} ${row.outcome}`);
    try {
      await this.repo.insert(row);
    } catch (err) {
      this.logger.error({ err, action: row.action }, 'audit event could not be stored');
    }
  }
}
