/**
 * The Kubernetes API server, the subset the platform (and kubectl-style clients) use, over HTTPS (its
 * own self-signed certificate, handed to clients as the kubeconfig's certificate-authority-data) with
 * bearer-token auth: discovery (/version, /api, /apis), get/list/watch (labelSelector,
 * fieldSelector metadata.name/namespace, resourceVersion, timeoutSeconds), create, replace, patch
 * (merge, strategic-merge treated as merge, JSON patch, apply-patch) and delete of every kind the sim
 * knows, the Sealed Secrets controller's certificate through the service proxy, and the sim's control
 * endpoints under /sim/v1, and at /metrics what the cluster's exporters would export (metrics/). Errors are `Status` objects with the API server's codes and reasons.
 * Each verb has its handler in api-server/verbs.ts; /sim/v1 has its own router (api-server/control-router.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { ClusterStore } from './cluster-store.ts';
import { StoreError } from './cluster-store.ts';
import type { Faults } from './faults.ts';
import { HttpError, statusObject } from './api-server/http-error.ts';
import { parseRoute } from './api-server/route.ts';
import { discovery } from './api-server/discovery.ts';
import { VERBS, verbOf, type Verb } from './api-server/verbs.ts';
import { CONTROL_PREFIX, type ControlRouter } from './api-server/control-router.ts';
import { EXPOSITION_CONTENT_TYPE } from './metrics/exposition.ts';

export { HttpError, statusObject } from './api-server/http-error.ts';

export interface ApiServerOptions {
  store: ClusterStore;
  faults: Faults;
  token: string;
  certPem: () => string;
  /** The /sim/v1 router. */
  control: ControlRouter;
  host?: string;
  port?: number;
  /** TLS key and certificate (PEM) the API is served with; the certificate goes in the kubeconfig as CA. */
  tls: { key: string; cert: string };
  /** The exporters' series in the Prometheus text format, served at GET /metrics. */
  metrics?: () => string;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK (default 60000 ms, as the API server). */
  watchBookmarkMs?: number;
}

export interface RequestStats {
  total: number;
  byRoute: Record<string, number>;
  unauthorized: number;
  unavailable: number;
  since: string;
}

export class KubeApiServer {
  readonly #o: ApiServerOptions;
  #server: Server | undefined;
  #watches = new Set<ServerResponse>();
  #closing = false;
  stats: RequestStats = { total: 0, byRoute: {}, unauthorized: 0, unavailable: 0, since: new Date().toISOString() };
  url = '';

  constructor(options: ApiServerOptions) {
    this.#o = options;
  }

  async listen(): Promise<string> {
    this.#server = createServer({ key: this.#o.tls.key, cert: this.#o.tls.cert }, (req, res) => {
      if (this.#closing) {
        req.socket.destroy();
        return;
      }
      this.#handle(req, res).catch((err: unknown) => {
        const e = err instanceof HttpError ? err : err instanceof StoreError ? new HttpError(err.code, err.reason, err.message) : new HttpError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
        this.#send(res, e.code, statusObject(e.code, e.reason, e.message, e.details));
      });
    });
    this.#server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.#server?.listen(this.#o.port ?? 0, this.#o.host ?? '127.0.0.1', resolve));
    const addr = this.#server.address() as AddressInfo;
    this.url = `https://${this.#o.host ?? '127.0.0.1'}:${addr.port}`;
    return this.url;
  }

  /**
   * Stops listening first, then ends the watches and drops every connection: a client that reconnects
   * at once when its watch ends (as informers do) must not slip a new watch in that keeps close() waiting.
   */
  async close(): Promise<void> {
    const s = this.#server;
    if (!s) return;
    this.#closing = true;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const w of this.#watches) w.end();
    this.#watches.clear();
    s.closeAllConnections();
    await closed;
    this.#server = undefined;
  }

  resetStats(): void {
    this.stats = { total: 0, byRoute: {}, unauthorized: 0, unavailable: 0, since: new Date().toISOString() };
  }

  #send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  #authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(h);
    if (!m) return false;
    const a = Buffer.from(m[1] as string);
    const b = Buffer.from(this.#o.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  #count(key: string): void {
    this.stats.total += 1;
    this.stats.byRoute[key] = (this.stats.byRoute[key] ?? 0) + 1;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (!this.#authorized(req)) {
      this.stats.unauthorized += 1;
      this.#send(res, 401, statusObject(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      this.#count(`${method} ${url.pathname.replace(/\/[0-9a-f-]{36}$/, '/:id')}`);
      const out = await this.#o.control.serve(req, url.pathname);
      this.#send(res, out.status, out.body);
      return;
    }
    if (url.pathname === '/metrics' && method === 'GET' && this.#o.metrics) {
      this.#count('GET /metrics');
      const text = this.#o.metrics();
      res.writeHead(200, { 'Content-Type': EXPOSITION_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    const delay = this.#o.faults.delayMs();
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (this.#o.faults.apiUnavailable()) {
      this.stats.unavailable += 1;
      this.#send(res, 503, statusObject(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'), { 'Retry-After': '1' });
      return;
    }
    if (url.pathname === '/version' || url.pathname === '/version/') {
      this.#count('GET /version');
      this.#send(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0+k3s1', gitCommit: 'simulated', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.24', compiler: 'gc', platform: 'linux/amd64' });
      return;
    }
    const proxy = /^\/api\/v1\/namespaces\/kube-system\/services\/(?:https?:)?sealed-secrets-controller(?::[^/]*)?\/proxy\/v1\/cert\.pem$/.exec(url.pathname);
    if (proxy) {
      this.#count('GET sealed-secrets cert');
      this.#send(res, 200, this.#o.certPem());
      return;
    }
    const route = parseRoute(url.pathname);
    if (route === 'discovery') {
      this.#count('GET discovery');
      this.#send(res, 200, discovery(url.pathname));
      return;
    }
    if (!route) {
      this.#count('unknown');
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const { info } = route;
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb = verbOf(method, watch, !!route.name);
    this.#count(`${verb} ${info.group ? `${info.plural}.${info.group}` : info.plural}`);
    if (!info.namespaced && route.namespace !== undefined) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (info.namespaced && route.name && route.namespace === undefined) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (route.subresource && route.subresource !== 'status') throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const handler = VERBS[verb as Verb];
    if (!handler) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    await handler({ req, res, url, route, store: this.#o.store, watches: this.#watches, watchBookmarkMs: this.#o.watchBookmarkMs, send: (code, body, headers) => this.#send(res, code, body, headers) });
  }
}
