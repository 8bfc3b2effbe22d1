import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { plainText } from '../../http/plain-text.ts';
import { parseOrThrow } from '../../http/validate.ts';
import type { ApiRegistry } from '../../http/api-registry.ts';
import type { AuditRepository } from './audit-repository.ts';

const AuditQuery = z.strictObject({
  /** Only events of this user. */
  user: z.uuid().optional(),
  /** Only events about this store. */
  store: z.uuid().optional(),
  /** Only this action, e.g. `store.create`, `auth.failure`. */
  action: plainText('An action filter has no control characters.').pipe(z.string().max(100)).optional(),
  /** Only events at or after this instant (ISO 8601). */
  since: z.iso.datetime({ offset: true }).optional(),
  /** Page size, 1–500. */
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Cursor: only events with a smaller id (the last id of the previous page). */
  before: z.coerce.number().int().min(1).optional(),
});
const AuditEvent = z.object({
  id: z.number().int(),
  at: z.string(),
  action: z.string(),
  outcome: z.enum(['success', 'failure']),
  userId: z.string().nullable(),
  identity: z.string().nullable(),
  storeId: z.string().nullable(),
  resource: z.string().nullable(),
  sourceIp: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** Operators read the audit trail. */
export function auditController({
  audit,
  registry,
  prefix,
  requireOperator,
}: {
  audit: AuditRepository;
  registry: ApiRegistry;
  prefix: string;
  requireOperator: RequestHandler;
}): Router {
  const router = Router();
  registry.route(
    router,
    prefix,
    {
      method: 'get',
      path: '/audit',
      summary: 'Operators: audit events, newest first, with filters',
      tag: 'operators',
      query: AuditQuery,
      responses: {
        200: { description: 'Audit events', schema: z.object({ items: z.array(AuditEvent) }) },
        403: { description: 'Not an operator' },
        422: { description: 'Bad filter' },
      },
    },
    requireOperator,
    async (req, res) => {
      const q = parseOrThrow(AuditQuery, req.query, 'query');
      const rows = await audit.list({
        userId: q.user,
        storeId: q.store,
        action: q.action,
        since: q.since ? new Date(q.since) : undefined,
        limit: q.limit,
        before: q.before,
      });
      res.json({
        items: rows.map((r) => ({
          id: Number(r.id),
          at: new Date(r.at).toISOString(),
          action: r.action,
          outcome: r.outcome,
          userId: r.user_id,
          identity: r.identity,
          storeId: r.store_id,
          resource: r.resource,
          sourceIp: r.source_ip,
          requestId: r.request_id,
          details: r.details,
        })),
      });
    },
  );
  return router;
}
