import type { Request } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit-log.ts';
import { requestOrigin } from '../../auth/actor.ts';

type Window = { startedAt: number; suppressed: number; reasons: Record<string, number> };

/**
 * Anonymous requests with bad credentials are counted, not each written down: every failure increments
 * `store_platform_auth_failures_total{reason}`, and the audit trail gets one row per source address per
 * window — the first failure, carrying a summary of the failures of that address left out in the window
 * before. So junk tokens cannot fill the audit table, and an attack is still visible by address.
 */
export class AuthFailureSampler {
  private readonly audit: AuditLog;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly counter: Counter<'reason'>;
  private readonly windows = new Map<string, Window>();

  constructor(audit: AuditLog, registry: Registry, opts: { windowMs?: number; maxAddresses?: number } = {}) {
    this.audit = audit;
    this.windowMs = opts.windowMs ?? 5 * 60_000;
    this.maxAddresses = opts.maxAddresses ?? 10_000;
    this.counter = new Counter({
      name: 'store_platform_auth_failures_total',
      help: 'Requests refused for missing or bad credentials, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  async record(req: Request, reason: string, identity: string | null): Promise<void> {
    const kind = reason.split(':')[0]!;
    this.counter.inc({ reason: kind });
    const address = req.ip ?? 'unknown';
    const now = Date.now();
    const w = this.windows.get(address);
    if (w && now - w.startedAt < this.windowMs) {
      w.suppressed++;
      w.reasons[kind] = (w.reasons[kind] ?? 0) + 1;
      return;
    }
    if (!w && this.windows.size >= this.maxAddresses) this.windows.clear(); // bounded memory under a spray from many addresses
    const summary =
      w && w.suppressed > 0 ? { previousWindow: { suppressed: w.suppressed, reasons: w.reasons, since: new Date(w.startedAt).toISOString() } } : {};
    this.windows.set(address, { startedAt: now, suppressed: 0, reasons: {} });
    await this.audit.record({
      action: 'auth.failure',
      outcome: 'failure',
      actor: requestOrigin(req),
      userId: null,
      identity,
      resource: `${req.method} ${req.baseUrl}${req.path}`,
      details: { reason, sampled: true, windowSeconds: this.windowMs / 1000, ...summary },
    });
  }
}
