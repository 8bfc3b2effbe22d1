import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/test-platform.ts';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../../test/support/webhook-receiver.ts';
import type { Tx } from '../../db/transactor.ts';
import type { StorePhase, StoreStatus } from '../stores/store-lifecycle.ts';
import type { WebhookDispatcher } from './webhook-dispatcher.ts';
import { enqueueWebhookEvent } from './webhook-repository.ts';

/**
 * A verifier written from docs/webhooks.md alone (not the platform's code): the key is the base64 after
 * `whsec_`; the signed content is `<webhook-id>.<webhook-timestamp>.<raw body>`; the header holds
 * space-separated `v1,<base64 HMAC-SHA256>`; a timestamp more than 5 minutes away is refused.
 */
function verify(secret: string, w: ReceivedWebhook, nowSeconds = Date.now() / 1000): boolean {
  const id = String(w.headers['webhook-id']);
  const ts = Number(w.headers['webhook-timestamp']);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > 300) return false;
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64'))
    .update(`${id}.${ts}.${w.body}`)
    .digest('base64');
  return String(w.headers['webhook-signature'])
    .split(' ')
    .some((s) => s.startsWith('v1,') && s.slice(3) === expected);
}

let open: TestPlatform; // WEBHOOK_ALLOW_PRIVATE_NETWORKS=true (the receiver is on loopback)
let second: TestPlatform; // another worker with the same settings, on the same database
let strict: TestPlatform; // the default: private networks refused
let receiver: WebhookReceiver;

beforeAll(async () => {
  const shared = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    CREATE_RATE_LIMIT_PER_MINUTE: '10000',
    WEBHOOK_RETRY_BASE_MS: '20',
    WEBHOOK_RETRY_MAX_MS: '200',
    WEBHOOK_MAX_ATTEMPTS: '100',
    WEBHOOK_TIMEOUT_MS: '5000',
  };
  open = await startTestPlatform({ ...shared, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
  second = await startTestPlatform({ ...shared, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, { databaseUrl: open.databaseUrl });
  strict = await startTestPlatform(shared, { databaseUrl: open.databaseUrl });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await strict?.close();
  await second?.close();
  await open?.close();
});

/** Runs dispatch passes until `done()` holds (a pass that finds nothing waits a little for a retry to fall due). */
async function drain(d: WebhookDispatcher, done: () => boolean | Promise<boolean>, maxPasses = 2000): Promise<void> {
  for (let i = 0; i < maxPasses; i++) {
    if (await done()) return;
    if ((await d.runOnce()) === 0) await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the outbox did not reach the expected state');
}

async function newStore(token: string, name: string): Promise<string> {
  const res = await open.request('POST', '/api/v1/stores', { token, body: { name } });
  expect(res.status).toBe(202);
  return res.body.id;
}

/** What the status job writes when a store's state changes: the repository's transition, in a transaction. */
async function transition(id: string, status: StoreStatus, phase: StorePhase) {
  await open.platform.knex.transaction((trx) =>
    open.platform.repositories.stores.transition(id, { status, phase, reason: 'Test', message: null }, trx as unknown as Tx),
  );
}

async function register(token: string, events: string[], path = '/hook') {
  const res = await open.request('POST', '/api/v1/webhooks', { token, body: { url: receiver.url(path), events } });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string; url: string; events: string[] };
}

const deliveriesOf = async (endpointId: string) =>
  open.platform.knex('webhook_deliveries').where('endpoint_id', endpointId).orderBy('id').select('id', 'state', 'attempts');
const typeOf = (w: ReceivedWebhook) => JSON.parse(w.body).type as string;

describe('signed webhooks (real PostgreSQL, a real HTTP receiver)', () => {
  it('refuses a URL on 127.0.0.1 by default with the reason (422) and accepts it when the operator allows private networks', async () => {
    const { token } = await strict.signUp();
    const refused = await strict.request('POST', '/api/v1/webhooks', { token, body: { url: receiver.url(), events: ['store.ready'] } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'url', code: 'forbidden_address', message: expect.stringContaining('loopback') })]);
    const named = await strict.request('POST', '/api/v1/webhooks', { token, body: { url: `http://localhost:${receiver.port}/`, events: ['store.ready'] } });
    expect(named.body.errors).toEqual([expect.objectContaining({ field: 'url', code: 'forbidden_address' })]);
    for (const [body, code] of [
      [{ url: 'https://user:pw@hooks.example.com/', events: ['store.ready'] }, 'credentials_in_url'],
      [{ url: 'ftp://hooks.example.com/', events: ['store.ready'] }, 'invalid_scheme'],
      [{ url: `https://hooks.example.com/${'a'.repeat(2048)}`, events: ['store.ready'] }, 'too_big'],
      [{ url: 'https://hooks.example.com/', events: ['store.exploded'] }, 'invalid_value'],
      [{ url: 'https://hooks.example.com/', events: [] }, 'too_small'],
    ] as const) {
      const res = await strict.request('POST', '/api/v1/webhooks', { token, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(res.body.errors.map((e: { code: string }) => e.code)).toContain(code);
    }
    expect((await strict.request('GET', '/api/v1/webhooks', { token })).body.items).toEqual([]);

    const owner = await open.signUp();
    const created = await open.request('POST', '/api/v1/webhooks', { token: owner.token, body: { url: receiver.url(), events: ['store.ready'] } });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.headers.get('location')).toBe(`/api/v1/webhooks/${created.body.id}`);
    const listed = await open.request('GET', '/api/v1/webhooks', { token: owner.token });
    expect(listed.body.items).toEqual([{ id: created.body.id, url: receiver.url(), events: ['store.ready'], createdAt: expect.any(String) }]);
    expect(JSON.stringify(await open.platform.knex('webhook_endpoints').select())).not.toContain(created.body.secret.slice(6));
    // Another user's endpoint does not exist for them.
    const other = await open.signUp();
    for (const [method, path] of [
      ['GET', `/api/v1/webhooks/${created.body.id}`],
      ['GET', `/api/v1/webhooks/${created.body.id}/deliveries`],
      ['DELETE', `/api/v1/webhooks/${created.body.id}`],
    ] as const)
      expect((await open.request(method, path, { token: other.token })).status, `${method} ${path}`).toBe(404);
    expect((await open.request('GET', '/api/v1/webhooks/not-a-uuid', { token: owner.token })).status).toBe(422);
    expect((await open.request('DELETE', `/api/v1/webhooks/${created.body.id}`, { token: owner.token })).status).toBe(204);
    const audit = await open.platform.knex('audit_events').where('user_id', owner.userId).whereIn('action', ['webhook.create', 'webhook.delete']).orderBy('id');
    expect(audit.map((a) => [a.action, a.resource])).toEqual([
      ['webhook.create', `webhook:${created.body.id}`],
      ['webhook.delete', `webhook:${created.body.id}`],
    ]);
  });

  it('delivers store.ready when a store goes Ready, signed so that an independent verifier accepts it, and logs the attempt', async () => {
    const { token } = await open.signUp();
    const hook = await register(token, ['store.ready', 'store.deleted']);
    const id = await newStore(token, 'ready-shop');
    // A change that rolls back raises nothing: the event is in the change's own transaction.
    await open.platform.knex
      .transaction(async (trx) => {
        await open.platform.repositories.stores.transition(id, { status: 'Ready', phase: 'ready', reason: 'Test' }, trx as unknown as Tx);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    expect(await deliveriesOf(hook.id)).toEqual([]);
    await transition(id, 'Pending', 'progressing'); // no event for this one
    await transition(id, 'Ready', 'ready');
    const before = receiver.received.length;
    await drain(open.platform.webhookDispatcher, () => receiver.received.length > before);
    const got = receiver.received.at(-1)!;
    expect(verify(hook.secret, got)).toBe(true);
    expect(verify(hook.secret, { ...got, body: got.body.replace('ready-shop', 'other-shop') })).toBe(false);
    expect(verify(`whsec_${randomBytes(32).toString('base64')}`, got)).toBe(false);
    expect(got.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got.body)).toEqual({
      type: 'store.ready',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { store: expect.objectContaining({ id, name: 'ready-shop', status: 'Ready', phase: 'ready', previousStatus: 'Pending' }) },
    });
    const log = await open.request('GET', `/api/v1/webhooks/${hook.id}/deliveries`, { token });
    expect(log.status).toBe(200);
    expect(log.body.items).toEqual([
      expect.objectContaining({
        type: 'store.ready',
        storeId: id,
        state: 'delivered',
        attempts: 1,
        log: [expect.objectContaining({ attempt: 1, outcome: 'delivered', statusCode: 200, durationMs: expect.any(Number), error: null })],
      }),
    ]);
    expect(got.headers['webhook-id']).toBe(`msg_${log.body.items[0].eventId}`);

    // The record's removal (the status job, once the cluster is clean) raises store.deleted.
    await transition(id, 'Deleting', 'pruning');
    expect(await open.platform.repositories.stores.remove(id)).toBe(true);
    await drain(open.platform.webhookDispatcher, () => receiver.received.some((w) => typeOf(w) === 'store.deleted' && w.body.includes(id)));
    expect(verify(hook.secret, receiver.received.at(-1)!)).toBe(true);
    const metrics = await open.request('GET', '/metrics');
    expect(metrics.body).toMatch(/store_platform_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
  });

  it('retries while the receiver is down and, once it is back, delivers everything in order per store', async () => {
    const { token } = await open.signUp();
    const hook = await register(token, ['store.ready', 'store.error']);
    const a = await newStore(token, 'shop-a');
    const b = await newStore(token, 'shop-b');
    await receiver.stop();
    const from = receiver.received.length;
    await transition(a, 'Ready', 'ready');
    await transition(a, 'Error', 'degraded');
    await transition(b, 'Ready', 'ready');
    await transition(a, 'Ready', 'ready');
    const rows = await deliveriesOf(hook.id);
    expect(rows).toHaveLength(4);
    // The first of each store is retried; the later ones of store a wait behind it.
    await drain(open.platform.webhookDispatcher, async () => {
      const r = await deliveriesOf(hook.id);
      return r[0]!.attempts >= 3 && r[2]!.attempts >= 3;
    });
    const waiting = await deliveriesOf(hook.id);
    expect(waiting.map((r) => r.state === 'delivered')).toEqual([false, false, false, false]);
    expect([waiting[1]!.attempts, waiting[3]!.attempts]).toEqual([0, 0]);
    await receiver.start();
    await drain(open.platform.webhookDispatcher, async () => (await deliveriesOf(hook.id)).every((r) => r.state === 'delivered'));
    const got = receiver.received.slice(from);
    const ofStore = (id: string) => got.filter((w) => JSON.parse(w.body).data.store.id === id).map(typeOf);
    expect(ofStore(a)).toEqual(['store.ready', 'store.error', 'store.ready']);
    expect(ofStore(b)).toEqual(['store.ready']);
    expect(new Set(got.map((w) => w.headers['webhook-id'])).size).toBe(4);
    for (const w of got) expect(verify(hook.secret, w)).toBe(true);
    const log = (await open.request('GET', `/api/v1/webhooks/${hook.id}/deliveries`, { token })).body.items;
    const first = log.find((d: { id: string }) => d.id === String(rows[0]!.id));
    expect(first.log.at(-1)).toMatchObject({ attempt: 1, outcome: 'retrying', statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
    expect(first.log[0]).toMatchObject({ outcome: 'delivered', statusCode: 200 });
  });

  it('refuses delivery to 127.0.0.1 by default (nothing is sent) and delivers when the operator allows it', async () => {
    const { token } = await open.signUp();
    const hook = await register(token, ['store.error']); // registered while allowed
    const id = await newStore(token, 'refused-shop');
    const from = receiver.received.length;
    await transition(id, 'Error', 'failed');
    expect(await strict.platform.webhookDispatcher.runOnce()).toBe(1);
    expect(receiver.received.length).toBe(from);
    const [attempt] = await open.platform.knex('webhook_delivery_attempts').where('endpoint_id', hook.id);
    expect(attempt).toMatchObject({ outcome: 'retrying', status_code: null, error: expect.stringMatching(/^Refused: 127\.0\.0\.1 is a loopback address/) });
    await drain(open.platform.webhookDispatcher, () => receiver.received.length > from);
    expect(typeOf(receiver.received.at(-1)!)).toBe('store.error');
  });

  it('stops delivering to an endpoint once it is deleted', async () => {
    const { token } = await open.signUp();
    const hook = await register(token, ['store.ready']);
    const id = await newStore(token, 'deleted-hook-shop');
    await receiver.stop();
    await transition(id, 'Ready', 'ready');
    await drain(open.platform.webhookDispatcher, async () => (await deliveriesOf(hook.id))[0]!.attempts >= 1);
    expect((await open.request('DELETE', `/api/v1/webhooks/${hook.id}`, { token })).status).toBe(204);
    await receiver.start();
    const from = receiver.received.length;
    await transition(id, 'Error', 'degraded');
    await transition(id, 'Ready', 'ready');
    expect(await open.platform.webhookDispatcher.runOnce()).toBe(0);
    expect(await deliveriesOf(hook.id)).toEqual([]);
    expect(receiver.received.length).toBe(from);
  });

  it('delivers each event exactly once, in order per store, with two workers claiming at the same time', async () => {
    const { token } = await open.signUp();
    const one = await register(token, ['store.ready', 'store.error'], '/one');
    const two = await register(token, ['store.ready', 'store.error'], '/two');
    const stores = await Promise.all([1, 2, 3, 4, 5].map((n) => newStore(token, `busy-${n}`)));
    const from = receiver.received.length;
    for (let round = 0; round < 2; round++)
      for (const id of stores) {
        await transition(id, 'Ready', 'ready');
        await transition(id, 'Error', 'degraded');
      }
    const all = async () => (await deliveriesOf(one.id)).concat(await deliveriesOf(two.id));
    expect(await all()).toHaveLength(40);
    const done = async () => (await all()).every((r) => r.state === 'delivered');
    await Promise.all([drain(open.platform.webhookDispatcher, done), drain(second.platform.webhookDispatcher, done)]);
    const got = receiver.received.slice(from);
    expect(got).toHaveLength(40);
    expect(new Set(got.map((w) => `${w.path} ${w.headers['webhook-id']}`)).size).toBe(40);
    for (const path of ['/one', '/two'])
      for (const id of stores)
        expect(got.filter((w) => w.path === path && w.body.includes(id)).map(typeOf)).toEqual(['store.ready', 'store.error', 'store.ready', 'store.error']);
    expect((await all()).every((r) => r.attempts === 1)).toBe(true);
  });

  it('forgets finished deliveries past the log retention, keeping open and recent ones', async () => {
    const { token } = await open.signUp();
    const hook = await register(token, ['store.ready', 'store.error']);
    const id = await newStore(token, 'old-log-shop');
    await transition(id, 'Ready', 'ready');
    await drain(open.platform.webhookDispatcher, async () => (await deliveriesOf(hook.id)).every((r) => r.state === 'delivered'));
    await transition(id, 'Error', 'degraded'); // a second, recent one
    await drain(open.platform.webhookDispatcher, async () => (await deliveriesOf(hook.id)).every((r) => r.state === 'delivered'));
    const [old] = await deliveriesOf(hook.id);
    await open.platform
      .knex('webhook_deliveries')
      .where('id', old!.id)
      .update({ completed_at: open.platform.knex.raw(`now() - interval '31 days'`) });
    expect(await open.platform.repositories.webhooks.prune(30 * 86_400_000)).toBe(1);
    const log = (await open.request('GET', `/api/v1/webhooks/${hook.id}/deliveries`, { token })).body.items;
    expect(log.map((d: { type: string }) => d.type)).toEqual(['store.error']);
  });

  it('never strands an event raised while the one before it is being completed (the chain lock orders them)', async () => {
    const { token, userId } = await open.signUp();
    const hook = await register(token, ['store.ready', 'store.error']);
    const id = await newStore(token, 'race-shop');
    const repo = open.platform.repositories.webhooks;
    await transition(id, 'Ready', 'ready');
    const claimed = (await repo.claim(100, 60_000)).filter((d) => d.endpoint_id === hook.id);
    expect(claimed).toHaveLength(1);
    // The next event's transaction is open (it saw the first delivery still open) when the first completes.
    const trx = await open.platform.knex.transaction();
    await enqueueWebhookEvent(trx as unknown as Tx, { type: 'store.error', userId, storeId: id, data: {} });
    let settled = false;
    const completing = repo.complete(claimed[0]!, { outcome: 'delivered', statusCode: 200, durationMs: 1, error: null }).finally(() => (settled = true));
    // Commit only once the completion has finished, or waits for the chain's lock held by the open transaction.
    const waitingForLock = async () =>
      (
        await open.platform
          .knex('pg_locks')
          .where({ locktype: 'advisory', granted: false })
          .whereRaw('database = (SELECT oid FROM pg_database WHERE datname = current_database())')
          .select('pid')
      ).length > 0;
    while (!settled && !(await waitingForLock())) await new Promise((r) => setTimeout(r, 10));
    await trx.commit();
    expect(await completing).toBe(true);
    const rows = await open.platform.knex('webhook_deliveries').where('endpoint_id', hook.id).orderBy('id').select('state', 'head');
    expect(rows).toEqual([
      { state: 'delivered', head: false },
      { state: 'pending', head: true },
    ]);
    await drain(open.platform.webhookDispatcher, async () => (await deliveriesOf(hook.id)).every((r) => r.state === 'delivered'));
  });

  it('lists every webhook route in the OpenAPI document', async () => {
    const doc = (await open.request('GET', '/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/v1/webhooks'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/api/v1/webhooks/{id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(Object.keys(doc.paths['/api/v1/webhooks/{id}/deliveries'])).toEqual(['get']);
  });
});
