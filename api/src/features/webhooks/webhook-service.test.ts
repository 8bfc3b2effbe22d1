import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { FakeWebhookRepository } from '../../../test/support/fakes/fake-webhook-repository.ts';
import { StoreModel } from '../../db/models/store-model.ts';
import type { Tx } from '../../db/transactor.ts';
import { WebhookAddressPolicy, forbiddenAddressReason, type Resolver } from './webhook-address-policy.ts';
import { WebhookDispatcher, retryDelayMs } from './webhook-dispatcher.ts';
import { webhookEventForTransition } from './webhook-events.ts';
import { WebhookOutbox } from './webhook-outbox.ts';
import type { SendResult, WebhookSender } from './webhook-sender.ts';
import { WebhookService, secretContext } from './webhook-service.ts';

/** Public names resolve to a documentation-free public address; `rebind.example` to a private one. */
const resolver: Resolver = async (host) => {
  if (host === 'rebind.example') return [{ address: '10.1.2.3', family: 4 }];
  if (host === 'nowhere.example') throw new Error('ENOTFOUND');
  return [{ address: '93.184.215.14', family: 4 }];
};

function setUp(opts: { allowPrivate?: boolean } = {}) {
  const f = createFakeServices();
  const repo = new FakeWebhookRepository();
  const policy = new WebhookAddressPolicy({ allowPrivate: opts.allowPrivate ?? false, resolve: resolver });
  const webhooks = new WebhookService({ repo, secrets: f.secrets, policy, audit: f.audit });
  const sent: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  let answer: SendResult = { statusCode: 200, error: null, durationMs: 3 };
  const send: WebhookSender = async (url, _address, headers, body) => {
    sent.push({ url: url.toString(), headers, body });
    return answer;
  };
  const dispatcher = new WebhookDispatcher({
    repo,
    secrets: f.secrets,
    policy,
    send,
    settings: {
      timeoutMs: 1000,
      retryBaseMs: 0,
      retryMaxMs: 0,
      maxAttempts: 3,
      maxAgeMs: 3_600_000,
      pollIntervalMs: 1000,
      batchSize: 10,
      logRetentionMs: 86_400_000,
    },
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
  });
  const outbox = new WebhookOutbox((tx, e) => repo.enqueue(tx, e));
  const store = (owner: string, status = 'Ready') =>
    Object.assign(new StoreModel(), {
      id: '5b0c0a3e-43a1-4c1e-9d39-3f5f7c1e0a11',
      owner_id: owner,
      name: 'shop',
      domain: 'shop.example.net',
      status,
      phase: 'ready',
      message: null,
      updated_at: new Date(),
    });
  return { f, repo, webhooks, dispatcher, outbox, sent, store, answer: (a: SendResult) => (answer = a) };
}

describe(WebhookService.name, () => {
  it('returns a whsec_ secret once, keeps it only sealed to the endpoint, and audits the creation', async () => {
    const { f, repo, webhooks } = setUp();
    const actor = await f.actors.user();
    const { endpoint, secret } = await webhooks.create(actor, {
      url: 'https://hooks.example.com/in?token=t0p',
      events: ['store.ready', 'store.ready', 'store.error'],
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.events).toEqual(['store.ready', 'store.error']);
    expect(JSON.stringify([...repo.endpoints.values()])).not.toContain(secret.slice(6));
    expect(f.secrets.open(repo.endpoints.get(endpoint.id)!.secret_enc, secretContext(endpoint.id))).toBe(secret);
    expect(f.repos.audit.rows.at(-1)).toMatchObject({ action: 'webhook.create', user_id: actor.userId, resource: `webhook:${endpoint.id}` });
    // A token in the URL's query stays out of the audit trail.
    expect(f.repos.audit.rows.at(-1)!.details).toEqual({ url: 'https://hooks.example.com/in?…', events: ['store.ready', 'store.error'] });
  });

  it('refuses loopback, private and unresolvable hosts with the reason (422), storing nothing; the operator flag allows them', async () => {
    const { f, repo, webhooks } = setUp();
    const actor = await f.actors.user();
    for (const [url, code, reason] of [
      ['http://127.0.0.1:8080/', 'forbidden_address', /loopback/],
      ['http://[::ffff:127.0.0.1]/', 'forbidden_address', /IPv4-mapped/],
      ['http://169.254.169.254/latest/meta-data', 'forbidden_address', /link-local/],
      ['https://rebind.example/', 'forbidden_address', /resolves to 10\.1\.2\.3.*private/],
      ['https://nowhere.example/', 'unresolvable', /does not resolve/],
    ] as const) {
      const err = await webhooks.create(actor, { url, events: ['store.ready'] }).catch((e: unknown) => e);
      expect(err, url).toMatchObject({ status: 422, errors: [{ field: 'url', code }] });
      expect((err as Error).message).toMatch(reason);
    }
    expect(repo.endpoints.size).toBe(0);
    const allowed = setUp({ allowPrivate: true });
    const owner = await allowed.f.actors.user();
    await expect(allowed.webhooks.create(owner, { url: 'http://127.0.0.1:8080/', events: ['store.ready'] })).resolves.toMatchObject({
      endpoint: { url: 'http://127.0.0.1:8080/' },
    });
  });

  it('answers another user’s endpoint as not found (read, log, delete) and audits the owner’s delete', async () => {
    const { f, repo, webhooks } = setUp();
    const owner = await f.actors.user();
    const other = await f.actors.user();
    const { endpoint } = await webhooks.create(owner, { url: 'https://hooks.example.com/in', events: ['store.ready'] });
    await expect(webhooks.get(other, endpoint.id)).rejects.toMatchObject({ status: 404 });
    await expect(webhooks.deliveries(other, endpoint.id)).rejects.toMatchObject({ status: 404 });
    await expect(webhooks.delete(other, endpoint.id)).rejects.toMatchObject({ status: 404 });
    expect(await webhooks.list(other)).toEqual([]);
    expect(repo.endpoints.size).toBe(1);
    await webhooks.delete(owner, endpoint.id);
    expect(repo.endpoints.size).toBe(0);
    expect(f.repos.audit.rows.at(-1)).toMatchObject({ action: 'webhook.delete', user_id: owner.userId, resource: `webhook:${endpoint.id}` });
  });
});

describe('webhook events of the store lifecycle', () => {
  it('maps status changes by their strings, Suspended included', () => {
    const s = (status: string, phase = 'x') => ({ status, phase });
    expect(webhookEventForTransition(s('Pending', 'progressing'), s('Ready', 'ready'))).toBe('store.ready');
    expect(webhookEventForTransition(s('Error', 'degraded'), s('Ready', 'ready'))).toBe('store.ready');
    expect(webhookEventForTransition(s('Ready', 'ready'), s('Error', 'degraded'))).toBe('store.error');
    expect(webhookEventForTransition(s('Error', 'failed'), s('Error', 'degraded'))).toBeUndefined();
    expect(webhookEventForTransition(s('Ready', 'ready'), s('Ready', 'ready'))).toBeUndefined();
    expect(webhookEventForTransition(s('Ready', 'ready'), s('Suspended', 'suspended'))).toBe('store.suspended');
    expect(webhookEventForTransition(s('Suspended', 'suspended'), s('Ready', 'ready'))).toBe('store.resumed');
    expect(webhookEventForTransition(s('Pending', 'resuming'), s('Ready', 'ready'))).toBe('store.resumed');
    expect(webhookEventForTransition(s('Ready', 'ready'), s('Deleting', 'deleting'))).toBeUndefined();
  });

  it('enqueues only for endpoints subscribed to the event', async () => {
    const { f, repo, webhooks, outbox, store } = setUp();
    const owner = await f.actors.user();
    const someoneElse = await f.actors.user();
    await webhooks.create(owner, { url: 'https://a.example.com/', events: ['store.ready'] });
    await webhooks.create(owner, { url: 'https://b.example.com/', events: ['store.error'] });
    await webhooks.create(someoneElse, { url: 'https://c.example.com/', events: ['store.ready'] });
    await outbox.transitioned({} as Tx, { status: 'Pending', phase: 'progressing' }, store(owner.userId));
    expect(repo.deliveries.map((d) => repo.endpoints.get(d.endpoint_id)!.url)).toEqual(['https://a.example.com/']);
    const body = JSON.parse(repo.events[0]!.body);
    expect(body).toMatchObject({
      type: 'store.ready',
      data: { store: { id: store(owner.userId).id, status: 'Ready', previousStatus: 'Pending', url: 'https://shop.example.net' } },
    });
    expect(Object.keys(body)).toEqual(['type', 'timestamp', 'data']);
  });
});

describe(WebhookDispatcher.name, () => {
  it('signs with the Standard Webhooks scheme, retries a failure and sends the next event of the store only after it', async () => {
    const { f, repo, webhooks, dispatcher, outbox, sent, store, answer } = setUp();
    const owner = await f.actors.user();
    const { secret } = await webhooks.create(owner, { url: 'https://hooks.example.com/in', events: ['store.ready', 'store.error'] });
    await outbox.transitioned({} as Tx, { status: 'Pending', phase: 'progressing' }, store(owner.userId, 'Ready'));
    await outbox.transitioned({} as Tx, { status: 'Ready', phase: 'ready' }, store(owner.userId, 'Error'));
    answer({ statusCode: 503, error: 'The receiver answered HTTP 503.', durationMs: 2 });
    expect(await dispatcher.runOnce()).toBe(1); // only the first event: the second waits behind it
    expect(await dispatcher.runOnce()).toBe(1);
    expect(sent.map((s) => JSON.parse(s.body).type)).toEqual(['store.ready', 'store.ready']);
    answer({ statusCode: 204, error: null, durationMs: 2 });
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await dispatcher.runOnce()).toBe(0);
    expect(sent.map((s) => JSON.parse(s.body).type)).toEqual(['store.ready', 'store.ready', 'store.ready', 'store.error']);
    expect(repo.attempts.map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'delivered', 'delivered']);
    // The id is the same on every attempt; the signature verifies from the documented recipe.
    const first = sent[0]!;
    expect(first.headers['webhook-id']).toBe(sent[2]!.headers['webhook-id']);
    const mac = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(`${first.headers['webhook-id']}.${first.headers['webhook-timestamp']}.${first.body}`)
      .digest('base64');
    expect(first.headers['webhook-signature']).toBe(`v1,${mac}`);
  });

  it('gives up after the configured attempts and then lets the next event through', async () => {
    const { f, repo, webhooks, dispatcher, outbox, sent, store, answer } = setUp();
    const owner = await f.actors.user();
    await webhooks.create(owner, { url: 'https://hooks.example.com/in', events: ['store.ready', 'store.error'] });
    await outbox.transitioned({} as Tx, { status: 'Pending', phase: 'progressing' }, store(owner.userId, 'Ready'));
    await outbox.transitioned({} as Tx, { status: 'Ready', phase: 'ready' }, store(owner.userId, 'Error'));
    answer({ statusCode: null, error: 'Could not deliver: ECONNREFUSED.', durationMs: 1 });
    while ((await dispatcher.runOnce()) > 0 && sent.length < 10);
    expect(repo.deliveries.map((d) => [d.type, d.state, d.attempts])).toEqual([
      ['store.ready', 'failed', 3],
      ['store.error', 'failed', 3],
    ]);
    expect(repo.attempts.map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'failed', 'retrying', 'retrying', 'failed']);
  });

  it('refuses at delivery an address that is not allowed now (a name that rebinds to a private address)', async () => {
    const { f, repo, webhooks, dispatcher, outbox, sent, store } = setUp();
    const owner = await f.actors.user();
    const { endpoint } = await webhooks.create(owner, { url: 'https://hooks.example.com/in', events: ['store.ready'] });
    repo.endpoints.get(endpoint.id)!.url = 'https://rebind.example/in';
    await outbox.transitioned({} as Tx, undefined, store(owner.userId));
    await dispatcher.runOnce();
    expect(sent).toEqual([]);
    expect(repo.attempts[0]).toMatchObject({ outcome: 'retrying', status_code: null, error: expect.stringMatching(/^Refused: .*10\.1\.2\.3/) });
  });

  it('backs off exponentially up to the cap', () => {
    const s = { retryBaseMs: 1000, retryMaxMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, s))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});

describe('the address policy', () => {
  it('knows the ranges a webhook may not reach and lets public ones through', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      'ff02::1',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
    ])
      expect(forbiddenAddressReason(a), a).toBeDefined();
    for (const a of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111']) expect(forbiddenAddressReason(a), a).toBeUndefined();
  });
});
