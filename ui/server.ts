import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Request, RequestHandler, Response, NextFunction } from 'express';

/** Paths the API serves; the dashboard never answers them (they fall through to the API's 404). */
const API_PATHS = /^\/(api(\/|$)|healthz$|readyz$|metrics$)/;

// Private headers through which Express's view of the request (which honours TRUST_PROXY_HOPS) reaches
// adapter-node; whatever a client sends under these names is overwritten.
const PROTO_HEADER = 'x-store-platform-ui-proto';
const HOST_HEADER = 'x-store-platform-ui-host';
const ADDRESS_HEADER = 'x-store-platform-ui-address';

const DEFAULT_HANDLER = fileURLToPath(new URL('./build/handler.js', import.meta.url));

/**
 * The dashboard as Express middleware: adapter-node's handler from `ui/build/handler.js` (build it with
 * `npm run build:ui`), or undefined when the dashboard has not been built. Mount it after the API routes
 * and before the API's 404 handler; it leaves `/api/*`, `/healthz`, `/readyz` and `/metrics` alone.
 * The dashboard's server calls the REST API on the same listener the browser's request came in on
 * (override with `DASHBOARD_API_URL`).
 */
export async function createUiHandler(opts: { handlerPath?: string; dashboardSecret?: string } = {}): Promise<RequestHandler | undefined> {
  const path = opts.handlerPath ?? DEFAULT_HANDLER;
  if (!existsSync(path)) return undefined;
  // The dashboard's server shows this to the API with each session and browser address (see DASHBOARD_SECRET).
  if (opts.dashboardSecret) process.env.DASHBOARD_SECRET = opts.dashboardSecret;
  // adapter-node reads its settings (prefix UI_, set in ui/vite.config.ts) when the module loads.
  process.env.UI_PROTOCOL_HEADER = PROTO_HEADER;
  process.env.UI_HOST_HEADER = HOST_HEADER;
  process.env.UI_ADDRESS_HEADER = ADDRESS_HEADER;
  const mod = (await import(pathToFileURL(path).href)) as { handler: (req: Request, res: Response, next: NextFunction) => void };
  const kit = mod.handler;
  return (req, res, next) => {
    if (API_PATHS.test(req.path)) return next();
    // A JSON body was already read by express.json(); the dashboard only takes form posts.
    if (req.readableEnded && req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(415).type('text/plain').send('The dashboard accepts form submissions only.');
      return;
    }
    // One label for the dashboard's pages in the API's http metrics (never the raw path: ids would explode it).
    res.locals.routeTemplate ??= 'dashboard';
    req.headers[PROTO_HEADER] = req.protocol;
    req.headers[HOST_HEADER] = req.host;
    req.headers[ADDRESS_HEADER] = req.ip ?? req.socket.remoteAddress ?? '';
    kit(req, res, next);
  };
}
