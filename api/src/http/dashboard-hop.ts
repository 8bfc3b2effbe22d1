import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';

/** Headers between the dashboard's server and the API. Whatever a client sends under these names without the secret is dropped. */
export const DASHBOARD_HEADERS = {
  secret: 'x-dashboard-secret',
  clientIp: 'x-dashboard-client-ip',
  session: 'x-dashboard-session',
} as const;

const fromDashboard = new WeakSet<Request>();

/** True when the request came from the dashboard's server (it showed the shared secret). */
export const isFromDashboard = (req: Request): boolean => fromDashboard.has(req);

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The dashboard's server calls the API for every browser, from one address. When a request shows
 * DASHBOARD_SECRET (compared in constant time), the browser's address it forwards becomes `req.ip`, so
 * throttles and the audit trail see the browser, and the request may present a dashboard session. From
 * anyone else these headers are removed: a client cannot choose its own address.
 */
export function dashboardHop(secret: string): RequestHandler {
  const expected = digest(secret);
  return (req, _res, next) => {
    const shown = req.headers[DASHBOARD_HEADERS.secret];
    const trusted = typeof shown === 'string' && timingSafeEqual(digest(shown), expected);
    if (trusted) {
      fromDashboard.add(req);
      const ip = req.headers[DASHBOARD_HEADERS.clientIp];
      if (typeof ip === 'string' && isIP(ip.replace(/^::ffff:/, ''))) Object.defineProperty(req, 'ip', { value: ip, configurable: true, enumerable: true });
    } else {
      delete req.headers[DASHBOARD_HEADERS.clientIp];
      delete req.headers[DASHBOARD_HEADERS.session];
    }
    delete req.headers[DASHBOARD_HEADERS.secret];
    next();
  };
}
