import type { Logger } from 'pino';
import type { Actor, RequestOrigin } from '../../auth/actor.ts';
import type { AuditRepository, AuditEventRow } from './audit-repository.ts';
import type { Tx } from '../../db/transactor.ts';

/** An audit event as written, before the table stamps its id and time. */
export type AuditRow = Omit<AuditEventRow, 'id' | 'at'>;

export type AuditEntry = {
  action: string;
  outcome: 'success' | 'failure';
  /** Who acted (or, for an anonymous request, where it came from); none for the platform's own jobs. */
  actor?: Actor | RequestOrigin;
  /** Overrides the actor's user id (e.g. the user a sign-in was attempted for). */
  userId?: string | null;
  identity?: string | null;
  storeId?: string | null;
  resource?: string | null;
  details?: Record<string, unknown>;
};

/**
 * Writes audit events to the audit table and, structured, to the log. Without a transaction it never
 * throws: an audit write that fails (database down) is logged and the request goes on. With the
 * change's transaction (`tx`) the event is part of the change: both commit or neither (so an event is
 * never lost for a change that happened), and a failed write fails the change.
 */
export class AuditLog {
  private readonly repo: AuditRepository;
  private readonly logger: Logger;

  constructor(repo: AuditRepository, logger: Logger) {
    this.repo = repo;
    this.logger = logger.child({ component: 'audit' });
  }

  /** Writes the event: in the caller's transaction when given (it commits with the change, or not at all), else on its own (a failure is logged, never thrown). */
  async record(entry: AuditEntry, tx?: Tx): Promise<void> {
    const row = this.prepare(entry);
    this.logged(row);
    if (tx) return this.repo.insert(row, tx);
    try {
      await this.repo.insert(row);
    } catch (err) {
      this.logger.error({ err, action: row.action }, 'audit event could not be stored');
    }
  }

  /**
   * The row of an entry, for a repository that writes it in the same statement as the change it records
   * (the create of a store: one round trip, and the event cannot be lost when the change commits).
   * Call `logged` once it is committed.
   */
  prepare(entry: AuditEntry): AuditRow {
    const actor = entry.actor && 'userId' in entry.actor ? entry.actor : undefined;
    return {
      action: entry.action,
      outcome: entry.outcome,
      user_id: entry.userId !== undefined ? entry.userId : (actor?.userId ?? null),
      identity: entry.identity ?? actor?.email ?? null,
      store_id: entry.storeId ?? null,
      resource: entry.resource ?? null,
      source_ip: entry.actor?.ip ?? null,
      request_id: entry.actor?.requestId ?? null,
      details: entry.details ?? {},
    };
  }

  /** The structured log line of an audit event. */
  logged(row: AuditRow): void {
    this.logger.info({ audit: row }, `audit ${row.action} ${row.outcome}`);
  }
}
