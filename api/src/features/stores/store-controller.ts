import { Router, type Request } from 'express';
import type { ApiRegistry } from '../../http/api-registry.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { actorOf } from '../../auth/actor.ts';
import { ValidationError } from '../../errors/app-error.ts';
import { rateLimitHeaders } from '../../rate-limit/create-rate-limit.ts';
import type { StoreService } from './store-service.ts';
import { CreateStoreBody, LIST_LIMIT_DEFAULT, ListStoresQuery, StoreDetail, StoreEventList, StoreIdParams, StoreList } from './store.schema.ts';
import { presentStore, presentStoreEvent } from './store-presenter.ts';
import { nextPageLink, presentStoreListItem } from './store-list-presenter.ts';
import type { StoreModel } from '../../db/models/store-model.ts';
import { showsAccess } from './store-lifecycle.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

type Deps = { stores: StoreService; registry: ApiRegistry; secrets: SecretBox; prefix: string };

/** Every /stores route: parse (the registry), one service call, present. */
export function storeController({ stores, registry, secrets, prefix }: Deps): Router {
  const router = Router();
  const problems = {
    401: { description: 'Not authenticated' },
    403: { description: 'The store belongs to another user' },
    404: { description: 'No such store' },
    422: { description: 'The id is not a UUID' },
  };

  /** The owner of a store that has been Ready gets its admin credentials (operators do not). */
  const credentialsFor = (req: Request, s: StoreModel) =>
    showsAccess({ status: s.status, readyAt: s.ready_at }) && s.owner_id === actorOf(req).userId && s.admin_password_enc
      ? { username: s.admin_username ?? 'admin', password: secrets.open(s.admin_password_enc, s.id) }
      : undefined;

  registry.endpoint(
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
        202: {
          description: 'Accepted: the store is Pending and a worker will provision it',
          schema: StoreDetail,
          headers: { Location: 'URL of the new store' },
        },
        200: { description: 'A repeat of an earlier request: the existing store, nothing new created', schema: StoreDetail },
        409: { description: 'Same name with another domain, or an Idempotency-Key reused with another body' },
        422: { description: 'Validation failed (field errors; `domain_taken` when the domain is in use)' },
        429: {
          description: '`rate_limited` (with Retry-After) or `quota_exceeded`',
          headers: { 'Retry-After': 'Seconds until a new create is accepted (rate limit)' },
        },
      },
    },
    async ({ body }, req, res) => {
      const key = req.get('idempotency-key');
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
        throw new ValidationError([{ field: 'Idempotency-Key', message: 'Use 1–255 visible ASCII characters.', code: 'invalid_idempotency_key' }]);
      const outcome = await stores.create(actorOf(req), body, key);
      if (outcome.replayed) {
        res.status(200).json(presentStore(outcome.store, credentialsFor(req, outcome.store)));
        return;
      }
      res.set(rateLimitHeaders(outcome.rateLimit));
      res.location(`${prefix}/stores/${outcome.store.id}`);
      res.status(202).json(presentStore(outcome.store));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/stores',
      summary: 'List your stores, searched, filtered, sorted and paginated, with your quota (operators: scope=all for everyone’s)',
      tag: 'stores',
      query: ListStoresQuery,
      responses: {
        200: { description: 'A page of stores, the total, the next page and your quota', schema: StoreList, headers: { Link: 'rel="next": the next page' } },
        403: { description: 'scope=all without the operator role' },
        422: { description: 'A bad parameter (unknown status, sort, limit…), a cursor of another list, or cursor with offset' },
      },
    },
    async ({ query }, req, res) => {
      const actor = actorOf(req);
      // `all=true` (older clients) stays what it was: every store for operators, one's own for others.
      const scope = query.scope ?? (query.all === 'true' && actor.role === 'operator' ? 'all' : 'mine');
      const page = await stores.listPage(actor, {
        scope,
        ...(query.q ? { search: query.q } : {}),
        ...(query.status ? { statuses: query.status } : {}),
        ...(query.sort ? { sort: query.sort } : {}),
        ...(query.order ? { order: query.order } : {}),
        limit: query.limit ?? LIST_LIMIT_DEFAULT,
        ...(query.offset !== undefined ? { offset: query.offset } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      const next = nextPageLink(`${prefix}/stores`, req.query, page);
      if (next) res.set('Link', `<${next}>; rel="next"`);
      res.json({
        items: page.rows.map((r) => presentStoreListItem(r, scope === 'all')),
        quota: page.quota,
        total: page.total,
        limit: page.limit,
        nextCursor: page.nextCursor,
        next,
      });
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/stores/:id',
      summary: 'One store in full; url, adminUrl and the owner’s credentials once it has been Ready',
      tag: 'stores',
      params: StoreIdParams,
      responses: { 200: { description: 'The store', schema: StoreDetail }, ...problems },
    },
    async ({ params }, req, res) => {
      const store = await stores.getVisible(actorOf(req), params.id);
      res.json(presentStore(store, credentialsFor(req, store)));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'delete',
      path: '/stores/:id',
      summary: 'Delete a store (asynchronous: status Deleting, then gone)',
      tag: 'stores',
      params: StoreIdParams,
      responses: { 202: { description: 'Deletion accepted (again on a repeat, with no new work)', schema: StoreDetail }, ...problems },
    },
    async ({ params }, req, res) => {
      res.status(202).json(presentStore(await stores.requestDelete(actorOf(req), params.id)));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'post',
      path: '/stores/:id/retry',
      summary: 'Re-run a store in Error (a new commit: Argo CD does not retry a failed sync of the same revision)',
      tag: 'stores',
      params: StoreIdParams,
      responses: {
        202: { description: 'Retry accepted: the store is Pending again', schema: StoreDetail },
        409: { description: '`not_in_error`: only a store in Error can be retried' },
        ...problems,
      },
    },
    async ({ params }, req, res) => {
      res.status(202).json(presentStore(await stores.retry(actorOf(req), params.id)));
    },
  );

  registry.endpoint(
    router,
    prefix,
    {
      method: 'get',
      path: '/stores/:id/events',
      summary: 'The store’s timeline: every status change and why',
      tag: 'stores',
      params: StoreIdParams,
      responses: { 200: { description: 'Timeline, oldest first', schema: StoreEventList }, ...problems },
    },
    async ({ params }, req, res) => {
      res.json({ items: (await stores.events(actorOf(req), params.id)).map(presentStoreEvent) });
    },
  );

  return router;
}
