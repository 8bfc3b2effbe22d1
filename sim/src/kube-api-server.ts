/**
 * The Kubernetes API server, the subset the platform (and kubectl-style clients) use, over HTTPS (its
 * own self-signed certificate, handed to clients as the kubeconfig's certificate-authority-data) with
 * bearer-token auth: discovery (/version, /api, /apis), get/list/watch (labelSelector,
 * fieldSelector metadata.name/namespace, resourceVersion, timeoutSeconds), create, replace, patch
 * (merge, strategic-merge treated as merge, JSON patch, apply-patch) and delete of every kind the sim
 * knows, the Sealed Secrets controller's certificate through the service proxy, and the sim's control
 * endpoints under /sim/v1. Errors are `Status` objects with the API server's codes and reasons.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { ClusterStore, KubeObject, WatchEvent } from './cluster-store.ts';
import { StoreError, resourceName } from './cluster-store.ts';
import { KINDS, kindByResource, type KindInfo } from './kinds.ts';
import { parseLabelSelector, InvalidSelectorError } from './label-selector.ts';
import { validateObject, formatInvalidObject } from './admission/schema.ts';
import { admitPod } from './admission/pod-admission.ts';
import { admitObjectCount } from './admission/object-count-quota.ts';
import type { Faults } from './faults.ts';

export interface ControlHandler {
  (method: string, path: string, body: unknown): Promise<{ status: number; body: unknown } | undefined>;
}

export interface ApiServerOptions {
  store: ClusterStore;
  faults: Faults;
  token: string;
  certPem: () => string;
  control: ControlHandler;
  host?: string;
  port?: number;
  /** TLS key and certificate (PEM) the API is served with; the certificate goes in the kubeconfig as CA. */
  tls: { key: string; cert: string };
}

export interface RequestStats {
  total: number;
  byRoute: Record<string, number>;
  unauthorized: number;
  unavailable: number;
  since: string;
}

export class HttpError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export function statusObject(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function notFound(info: KindInfo, name: string): HttpError {
  const res = info.group ? `${info.plural}.${info.group}` : info.plural;
  return new HttpError(404, 'NotFound', `${res} ${JSON.stringify(name)} not found`, { name, ...(info.group ? { group: info.group } : {}), kind: info.plural });
}

interface Route {
  info: KindInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  rest: string[];
}

function parseRoute(path: string): Route | 'discovery' | undefined {
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length < 2) return 'discovery';
    version = segs[1] as string;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length < 3) return 'discovery';
    group = segs[1] as string;
    version = segs[2] as string;
    rest = segs.slice(3);
  } else return undefined;
  if (!rest.length) return 'discovery';
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const info = kindByResource(group, version, rest[0] as string);
  if (!info) return undefined;
  return { info, ...(namespace !== undefined ? { namespace } : {}), ...(rest[1] !== undefined ? { name: rest[1] } : {}), ...(rest[2] !== undefined ? { subresource: rest[2] } : {}), rest: rest.slice(3) };
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(target: unknown, ops: { op: string; path: string; value?: unknown; from?: string }[]): unknown {
  const doc = structuredClone(target) as Record<string, unknown>;
  const parts = (p: string) => p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const parent = (p: string[]) => {
    let cur: any = doc;
    for (const s of p.slice(0, -1)) {
      if (cur[s] === undefined) throw new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: path ${p.join('/')} not found`);
      cur = cur[s];
    }
    return cur;
  };
  for (const op of ops) {
    const p = parts(op.path);
    const last = p[p.length - 1] as string;
    const par = parent(p);
    switch (op.op) {
      case 'add':
        if (Array.isArray(par)) par.splice(last === '-' ? par.length : Number(last), 0, op.value);
        else par[last] = op.value;
        break;
      case 'replace':
        par[last] = op.value;
        break;
      case 'remove':
        if (Array.isArray(par)) par.splice(Number(last), 1);
        else delete par[last];
        break;
      case 'test':
        if (JSON.stringify(par[last]) !== JSON.stringify(op.value)) throw new HttpError(422, 'Invalid', `testing value ${op.path} failed`);
        break;
      default:
        throw new HttpError(400, 'BadRequest', `unsupported JSON patch operation ${op.op}`);
    }
  }
  return doc;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class KubeApiServer {
  readonly #o: ApiServerOptions;
  #server: Server | undefined;
  #watches = new Set<ServerResponse>();
  stats: RequestStats = { total: 0, byRoute: {}, unauthorized: 0, unavailable: 0, since: new Date().toISOString() };
  url = '';

  constructor(options: ApiServerOptions) {
    this.#o = options;
  }

  async listen(): Promise<string> {
    this.#server = createServer({ key: this.#o.tls.key, cert: this.#o.tls.cert }, (req, res) => {
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

  async close(): Promise<void> {
    for (const w of this.#watches) w.end();
    this.#watches.clear();
    const s = this.#server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
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
    if (url.pathname.startsWith('/sim/v1/')) {
      this.#count(`${method} ${url.pathname.replace(/\/[0-9a-f-]{36}$/, '/:id')}`);
      const raw = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        throw new HttpError(400, 'BadRequest', 'request body must be JSON');
      }
      const out = await this.#o.control(method, url.pathname.slice('/sim/v1'.length), body);
      if (!out) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      this.#send(res, out.status, out.body);
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
      this.#send(res, 200, this.#discovery(url.pathname));
      return;
    }
    if (!route) {
      this.#count('unknown');
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const { info } = route;
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb =
      method === 'GET' ? (watch ? 'watch' : route.name ? 'get' : 'list') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : method.toLowerCase();
    this.#count(`${verb} ${info.group ? `${info.plural}.${info.group}` : info.plural}`);
    if (!info.namespaced && route.namespace !== undefined) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (info.namespaced && route.name && route.namespace === undefined) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (route.subresource && route.subresource !== 'status') throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const store = this.#o.store;
    if (method === 'GET' && watch) return this.#watch(req, res, route, url);
    if (method === 'GET' && route.name) {
      const o = store.get(info.apiVersion, info.kind, route.namespace, route.name);
      if (!o) throw notFound(info, route.name);
      this.#send(res, 200, o);
      return;
    }
    if (method === 'GET') {
      let items: KubeObject[];
      try {
        parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined);
        items = store.list(info.apiVersion, info.kind, {
          ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
          ...(url.searchParams.get('labelSelector') ? { labelSelector: url.searchParams.get('labelSelector') as string } : {}),
          ...(url.searchParams.get('fieldSelector') ? { fieldSelector: url.searchParams.get('fieldSelector') as string } : {}),
        });
      } catch (err) {
        if (err instanceof InvalidSelectorError) throw new HttpError(400, 'BadRequest', `unable to parse requirement: ${err.message}`);
        throw err;
      }
      this.#send(res, 200, { apiVersion: info.apiVersion, kind: `${info.kind}List`, metadata: { resourceVersion: String(store.resourceVersion) }, items });
      return;
    }
    if (method === 'DELETE') {
      if (!route.name) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const o = store.delete(info.apiVersion, info.kind, route.namespace, route.name);
      if (!o) throw notFound(info, route.name);
      this.#send(res, 200, o);
      return;
    }
    const raw = await readBody(req);
    const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim();
    let body: unknown;
    try {
      body = contentType === 'application/apply-patch+yaml' ? parseYaml(raw) : JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json, application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    }
    let next: KubeObject;
    let existing: KubeObject | undefined;
    if (method === 'POST') {
      next = body as KubeObject;
      if (route.name) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    } else {
      if (!route.name) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      existing = store.get(info.apiVersion, info.kind, route.namespace, route.name);
      if (method === 'PUT') next = body as KubeObject;
      else if (method === 'PATCH') {
        if (!existing && contentType !== 'application/apply-patch+yaml') throw notFound(info, route.name);
        if (contentType === 'application/json-patch+json' && !Array.isArray(body)) {
          throw new HttpError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
        }
        next = (contentType === 'application/json-patch+json' ? jsonPatch(existing, body as never) : mergePatch(existing ?? {}, body)) as KubeObject;
      } else throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    if (!next || typeof next !== 'object') throw new HttpError(400, 'BadRequest', 'the request body must be an object');
    next.apiVersion ??= info.apiVersion;
    next.kind ??= info.kind;
    next.metadata = { ...(next.metadata ?? {}), name: next.metadata?.name ?? route.name ?? '' };
    if (info.namespaced) next.metadata.namespace = route.namespace ?? next.metadata.namespace;
    if (next.apiVersion !== info.apiVersion || next.kind !== info.kind) {
      throw new HttpError(400, 'BadRequest', `the API version in the data (${next.apiVersion}) does not match the expected API version (${info.apiVersion})`);
    }
    if (route.name && next.metadata.name !== route.name) {
      throw new HttpError(400, 'BadRequest', `the name of the object (${next.metadata.name}) does not match the name on the URL (${route.name})`);
    }
    if (route.subresource === 'status') {
      if (!existing) throw notFound(info, route.name as string);
      this.#send(res, 200, store.setStatus(existing, next.status));
      return;
    }
    if (existing?.metadata.resourceVersion && method === 'PUT' && next.metadata.resourceVersion && next.metadata.resourceVersion !== existing.metadata.resourceVersion) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${resourceName(next)} ${JSON.stringify(next.metadata.name)}: the object has been modified; please apply your changes to the latest version and try again`);
    }
    const { status: _ignored, ...forValidation } = next;
    const errors = validateObject(forValidation);
    if (errors.length) {
      throw new HttpError(422, 'Invalid', formatInvalidObject(next, errors), { name: next.metadata.name, ...(info.group ? { group: info.group } : {}), kind: info.kind, causes: errors.map((m) => ({ reason: 'FieldValueInvalid', message: m })) });
    }
    if (info.namespaced) {
      const ns = store.get('v1', 'Namespace', undefined, next.metadata.namespace as string);
      if (!ns) throw new HttpError(404, 'NotFound', `namespaces ${JSON.stringify(next.metadata.namespace)} not found`, { name: next.metadata.namespace, kind: 'namespaces' });
      if (ns.metadata.deletionTimestamp && !existing) {
        throw new HttpError(403, 'Forbidden', `${resourceName(next)} ${JSON.stringify(next.metadata.name)} is forbidden: unable to create new content in namespace ${ns.metadata.name} because it is being terminated`);
      }
      if (!existing) {
        const quotas = store.list('v1', 'ResourceQuota', { namespace: ns.metadata.name });
        const refused = quotas.length ? admitObjectCount(next, quotas, store.listNamespace(ns.metadata.name)) : undefined;
        if (refused) throw new HttpError(403, 'Forbidden', refused);
      }
      if (info.kind === 'Pod' && !existing) {
        const r = admitPod(next, {
          namespaceLabels: ns.metadata.labels,
          limitRanges: store.list('v1', 'LimitRange', { namespace: ns.metadata.name }),
          resourceQuotas: store.list('v1', 'ResourceQuota', { namespace: ns.metadata.name }),
          pods: store.list('v1', 'Pod', { namespace: ns.metadata.name }),
        });
        if (!r.allowed) throw new HttpError(403, 'Forbidden', r.message);
        next = r.object;
      }
    }
    if (existing && next.status === undefined) next.status = existing.status;
    const saved = method === 'POST' ? store.create(next) : store.put(next);
    this.#send(res, method === 'POST' || !existing ? 201 : 200, saved);
  }

  #watch(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): void {
    const { info } = route;
    const store = this.#o.store;
    const matches = parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined);
    const field = url.searchParams.get('fieldSelector') ?? '';
    const nameFilter = /metadata\.name==?([^,]+)/.exec(field)?.[1] ?? route.name;
    const relevant = (o: KubeObject) =>
      o.apiVersion === info.apiVersion &&
      o.kind === info.kind &&
      (route.namespace === undefined || o.metadata.namespace === route.namespace) &&
      (nameFilter === undefined || o.metadata.name === nameFilter) &&
      matches(o.metadata.labels);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const rvParam = url.searchParams.get('resourceVersion');
    if (rvParam && rvParam !== '0') {
      const events = store.eventsSince(Number(rvParam));
      if (!events) {
        write('ERROR', statusObject(410, 'Expired', `too old resource version: ${rvParam} (${store.resourceVersion})`));
        res.end();
        return;
      }
      for (const e of events) if (relevant(e.object)) write(e.type, e.object);
    } else {
      for (const o of store.list(info.apiVersion, info.kind, route.namespace !== undefined ? { namespace: route.namespace } : {})) if (relevant(o)) write('ADDED', o);
    }
    const onEvent = (e: WatchEvent) => {
      if (relevant(e.object)) write(e.type, e.object);
    };
    store.on('event', onEvent);
    this.#watches.add(res);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const cleanup = () => {
      store.off('event', onEvent);
      this.#watches.delete(res);
      if (timer) clearTimeout(timer);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
  }

  #discovery(path: string): unknown {
    if (path === '/api' || path === '/api/') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
    if (path === '/apis' || path === '/apis/') {
      const groups = new Map<string, Set<string>>();
      for (const k of KINDS) if (k.group) (groups.get(k.group) ?? groups.set(k.group, new Set()).get(k.group))?.add(k.version);
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups].map(([name, versions]) => ({
          name,
          versions: [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
          preferredVersion: { groupVersion: `${name}/${[...versions][0]}`, version: [...versions][0] },
        })),
      };
    }
    const segs = path.split('/').filter(Boolean);
    const groupVersion = segs[0] === 'api' ? (segs[1] ?? 'v1') : `${segs[1]}/${segs[2]}`;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion,
      resources: KINDS.filter((k) => k.apiVersion === groupVersion).map((k) => ({
        name: k.plural,
        singularName: k.kind.toLowerCase(),
        namespaced: k.namespaced,
        kind: k.kind,
        ...(k.shortNames ? { shortNames: k.shortNames } : {}),
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      })),
    };
  }
}
