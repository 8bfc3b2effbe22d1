/**
 * The API server's verbs (k8s.io/apiserver pkg/endpoints/handlers: get, list, watch, create, update,
 * patch, delete), one handler each. Writes go through the same admission as Argo CD's applies:
 * strict schema, immutable fields, Pod Security, LimitRange, ResourceQuota.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { ClusterStore, KubeObject, WatchEvent } from '../cluster-store.ts';
import { resourceName } from '../cluster-store.ts';
import { parseLabelSelector, InvalidSelectorError } from '../label-selector.ts';
import { validateObject, formatInvalidObject } from '../admission/schema.ts';
import { admitPod } from '../admission/pod-admission.ts';
import { admitObjectCount } from '../admission/object-count-quota.ts';
import { checkUpdate } from '../admission/immutable-fields.ts';
import { HttpError, notFound, statusObject } from './http-error.ts';
import { jsonPatch, mergePatch, readBody } from './patch.ts';
import type { Route } from './route.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface VerbRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: Route;
  store: ClusterStore;
  /** Open watches, ended when the server closes. */
  watches: Set<ServerResponse>;
  /** How often a watch that allows bookmarks gets one. */
  watchBookmarkMs?: number;
  send(code: number, body: unknown, headers?: Record<string, string>): void;
}

/** The verb of a request, as the API server's request-info resolver names it. */
export function verbOf(method: string, watch: boolean, named: boolean): string {
  return method === 'GET' ? (watch ? 'watch' : named ? 'get' : 'list') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : method.toLowerCase();
}

function get(r: VerbRequest): void {
  const { route, store, send } = r;
  const { info } = route;
  const o = store.get(info.apiVersion, info.kind, route.namespace, route.name as string);
  if (!o) throw notFound(info, route.name as string);
  send(200, o);
}

function list(r: VerbRequest): void {
  const { route, store, send, url } = r;
  const { info } = route;
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
  send(200, { apiVersion: info.apiVersion, kind: `${info.kind}List`, metadata: { resourceVersion: String(store.resourceVersion) }, items });
}

function remove(r: VerbRequest): void {
  const { route, store, send } = r;
  const { info } = route;
  if (!route.name) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const o = store.delete(info.apiVersion, info.kind, route.namespace, route.name);
  if (!o) throw notFound(info, route.name);
  send(200, o);
}

/** create, update and patch: the body becomes the next object, which admission checks before it is stored. */
async function write(r: VerbRequest): Promise<void> {
  const { req, route, store, send } = r;
  const { info } = route;
  const method = req.method as string;
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
    send(200, store.setStatus(existing, next.status));
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
  if (existing) {
    const refused = checkUpdate(existing, next, (name) => store.get('storage.k8s.io/v1', 'StorageClass', undefined, name));
    if (refused) {
      const details = { name: next.metadata.name, ...(info.group ? { group: info.group } : {}), kind: info.kind, ...(refused.causes.length ? { causes: refused.causes.map((m) => ({ reason: m.includes(': Forbidden: ') ? 'FieldValueForbidden' : 'FieldValueInvalid', message: m })) } : {}) };
      throw new HttpError(refused.code, refused.reason, refused.message, details);
    }
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
  send(method === 'POST' || !existing ? 201 : 200, saved);
}

/**
 * A watch as the API server serves it (k8s.io/apiserver pkg/storage/cacher):
 * - no resourceVersion or "0": ADDED for every matching object, then the changes;
 * - resourceVersion N: every change after N; older than the history kept for the resource → an ERROR
 *   event 410 Expired ("too old resource version"); above the current one → an ERROR event 504
 *   ("Too large resource version", cause ResourceVersionTooLarge) — the client lists again either way;
 * - with a label or field selector, an object that stops matching arrives as DELETED and one that starts
 *   matching as ADDED;
 * - `allowWatchBookmarks=true`: a BOOKMARK (an object of the kind with only metadata.resourceVersion)
 *   every `watchBookmarkMs` (the API server: about once a minute), so a client can resume from a
 *   recent resourceVersion even when nothing it watches changed;
 * - `timeoutSeconds`: the server ends the watch then; the client resumes from its last resourceVersion.
 */
function watch(r: VerbRequest): void {
  const { req, res, route, url } = r;
  const { info } = route;
  const store = r.store;
  const matches = parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined);
  const field = url.searchParams.get('fieldSelector') ?? '';
  const nameFilter = /metadata\.name==?([^,]+)/.exec(field)?.[1] ?? route.name;
  const ofKind = (o: KubeObject) => o.apiVersion === info.apiVersion && o.kind === info.kind && (route.namespace === undefined || o.metadata.namespace === route.namespace);
  const selected = (o: KubeObject | undefined) => !!o && (nameFilter === undefined || o.metadata.name === nameFilter) && matches(o.metadata.labels);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const deliver = (e: WatchEvent) => {
    if (!ofKind(e.object)) return;
    const now = selected(e.object);
    if (e.type !== 'MODIFIED') {
      if (now) write(e.type, e.object);
      return;
    }
    const before = e.previous ? selected(e.previous) : now;
    if (now) write(before ? 'MODIFIED' : 'ADDED', e.object);
    else if (before) write('DELETED', e.object);
  };
  const rvParam = url.searchParams.get('resourceVersion');
  if (rvParam && rvParam !== '0') {
    const rv = Number(rvParam);
    const events = Number.isInteger(rv) && rv <= store.resourceVersion ? store.eventsSince(rv, info) : undefined;
    if (!events) {
      const tooLarge = Number.isInteger(rv) && rv > store.resourceVersion;
      write(
        'ERROR',
        tooLarge
          ? statusObject(504, 'Timeout', `Too large resource version: ${rv}, current: ${store.resourceVersion}`, {
              causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
              retryAfterSeconds: 1,
            })
          : statusObject(410, 'Expired', `too old resource version: ${rvParam} (${store.resourceVersion})`),
      );
      res.end();
      return;
    }
    for (const e of events) deliver(e);
  } else {
    for (const o of store.list(info.apiVersion, info.kind, route.namespace !== undefined ? { namespace: route.namespace } : {})) if (selected(o)) write('ADDED', o);
  }
  store.on('event', deliver);
  r.watches.add(res);
  const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  const bookmarks =
    url.searchParams.get('allowWatchBookmarks') === 'true'
      ? setInterval(() => write('BOOKMARK', { apiVersion: info.apiVersion, kind: info.kind, metadata: { resourceVersion: String(store.resourceVersion) } }), r.watchBookmarkMs ?? 60_000)
      : undefined;
  bookmarks?.unref();
  const cleanup = () => {
    store.off('event', deliver);
    r.watches.delete(res);
    if (timer) clearTimeout(timer);
    if (bookmarks) clearInterval(bookmarks);
  };
  req.on('close', cleanup);
  res.on('close', cleanup);
}

export const VERBS: Record<Verb, (r: VerbRequest) => void | Promise<void>> = {
  get,
  list,
  watch,
  create: write,
  update: write,
  patch: write,
  delete: remove,
};
