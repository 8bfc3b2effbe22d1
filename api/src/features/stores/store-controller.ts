import { Router, type Request, type RequestHandler } from 'express';
import { parseOrThrow } from '../../http/validate.ts';
import type { ApiRegistry } from '../../http/api-registry.ts';
import type { SecretBox } from '../../auth/secret-box.ts';
import { ValidationError } from '../../errors/app-error.ts';
import type { StoreService, NormalizedCreate } from './store-service.ts';
import { CreateStoreBody, ListStoresQuery, StoreDetail, StoreEventList, StoreIdParams, StoreList } from './store.schema.ts';
import { presentStore, presentStoreEvent, presentStoreSummary } from './store-presenter.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import { showsAccess } from './store-lifecycle.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

type Deps = { stores: StoreService; registry: ApiRegistry; rateLimiter: RequestHandler; secrets: SecretBox; prefix: string };

/** Per-request state the create pipeline hands from one middleware to the next. */
type CreateState = { input: NormalizedCreate; idempotencyKey?: string };
const createState = new WeakMap<Request, CreateState>();

/** /stores routes: parse, call the service, present. */
export function storeController({ stores, registry, rateLimiter, secrets, prefix }: Deps): Router {
  const router = Router();
  const problems = {
    401: { description: 'Not authenticated' },
    403: { description: 'The store belongs to another user' },
    404: { description: 'No such store' },
    422: { description: 'The id is not a UUID' },
  };

  const credentialsFor = (req: Request, s: StoreModel) =>
    showsAccess({ status: s.status, readyAt: s.ready_at }) && s.owner_id === req.auth!.userId && s.admin_password_enc
      ? { username: s.admin_username ?? 'admin', password: secrets.open(s.admin_password_enc, s.id) }
      : undefined;

  registry.route(
    router,
    prefix,
    {
      method: 'post',
      path: '/stores',
      summary: 'Request a new store (asynchronous: 202, then poll until Ready)',
      tag: 'stores',
      body: CreateStoreBody,
      headers: { 'Idempotency-Key': 'Optional client key: a repeated request with the same key returns the same store' },
      responses: {
        202: { description: 'Accepted: the store is Pending and a worker will provision it', schema: StoreDetail, headers: { Location: 'URL of the new store' } },
        200: { description: 'A repeat of an earlier request: the existing store, nothing new created', schema: StoreDetail },
        409: { description: 'Same name with another domain, or an Idempotency-Key reused with another body' },
        422: { description: 'Validation failed (field errors; `domain_taken` when the domain is in use)' },
        429: { description: '`rate_limited` (with Retry-After) or `quota_exceeded`', headers: { 'Retry-After': 'Seconds until a new create is accepted (rate limit)' } },
      },
    },
    // 1. validation, 2. replay (a replay is answered here: never rate-limited, never counted)
    async (req, res, next) => {
      const body = parseOrThrow(CreateStoreBody, req.body ?? {}, 'body');
      const key = req.get('idempotency-key');
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'Use 1–255 visible ASCII characters.', code: 'invalid_idempotency_key' }]);
      const state: CreateState = { input: stores.normalize(body), idempotencyKey: key };
      const existing = await stores.findReplay(req.auth!, state.input, key);
      if (existing) {
        res.status(200).json(presentStore(existing, credentialsFor(req, existing)));
        return;
      }
      createState.set(req, state);
      next();
    },
    // 3. rate limit
    rateLimiter,
    // 4. quota, 5. domain check, 6. create — in one transaction
    async (req, res) => {
      const { input, idempotencyKey } = createState.get(req)!;
      const { store, replayed } = await stores.create(req.auth!, input, idempotencyKey, req);
      if (!replayed) res.location(`${prefix}/stores/${store.id}`);
      res.status(replayed ? 200 : 202).json(presentStore(store));
    },
  );

  registry.route(
    router,
    prefix,
    {
      method: 'get',
      path: '/stores',
      summary: 'List your stores (operators: ?all=true for everyone’s) and your quota',
      tag: 'stores',
      query: ListStoresQuery,
      responses: { 200: { description: 'Your stores and quota', schema: StoreList }, 422: { description: 'Bad query' } },
    },
    async (req, res) => {
      const q = parseOrThrow(ListStoresQuery, req.query, 'query');
      const [items, quota] = await Promise.all([stores.list(req.auth!, q.all === 'true'), stores.quota(req.auth!.userId)]);
      res.json({ items: items.map(presentStoreSummary), quota });
    },
  );

  registry.route(
    router,
    prefix,
    { method: 'get', path: '/stores/:id', summary: 'One store in full; url, adminUrl and the owner’s credentials once it has been Ready', tag: 'stores', params: StoreIdParams, responses: { 200: { description: 'The store', schema: StoreDetail }, ...problems } },
    async (req, res) => {
      const { id } = parseOrThrow(StoreIdParams, req.params, 'params');
      const store = await stores.getVisible(req.auth!, id, req);
      res.json(presentStore(store, credentialsFor(req, store)));
    },
  );

  registry.route(
    router,
    prefix,
    { method: 'delete', path: '/stores/:id', summary: 'Delete a store (asynchronous: status Deleting, then gone)', tag: 'stores', params: StoreIdParams, responses: { 202: { description: 'Deletion accepted (again on a repeat, with no new work)', schema: StoreDetail }, ...problems } },
    async (req, res) => {
      const { id } = parseOrThrow(StoreIdParams, req.params, 'params');
      res.status(202).json(presentStore(await stores.requestDelete(req.auth!, id, req)));
    },
  );

  registry.route(
    router,
    prefix,
    { method: 'get', path: '/stores/:id/events', summary: 'The store’s timeline: every status change and why', tag: 'stores', params: StoreIdParams, responses: { 200: { description: 'Timeline, oldest first', schema: StoreEventList }, ...problems } },
    async (req, res) => {
      const { id } = parseOrThrow(StoreIdParams, req.params, 'params');
      await stores.getVisible(req.auth!, id, req);
      res.json({ items: (await stores.events(id)).map(presentStoreEvent) });
    },
  );

  return router;
}
