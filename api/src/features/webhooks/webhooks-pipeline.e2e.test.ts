import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../../test/support/webhook-receiver.ts';

let h: PipelineHarness;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  h = await startPipelineHarness({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_INTERVAL_MS: '100' });
  h.platform.webhookDispatcher.start(); // as main.ts does where the worker runs
}, 120_000);
afterAll(async () => {
  await h?.platform.webhookDispatcher.stop();
  await h?.close();
  await receiver?.close();
});

const verifies = (secret: string, w: ReceivedWebhook) =>
  w.headers['webhook-signature'] ===
  `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
    .update(`${w.headers['webhook-id']}.${w.headers['webhook-timestamp']}.${w.body}`)
    .digest('base64')}`;

async function until(what: string, cond: () => boolean, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhooks from the GitOps pipeline (real PostgreSQL, git, helm, sim, a real receiver)', () => {
  it('sends store.ready when the status job finds the store Ready, and store.deleted when its record is removed', async () => {
    const u = await h.signUp();
    const hook = await h.request('POST', '/api/v1/webhooks', {
      token: u.token,
      body: { url: receiver.url(), events: ['store.ready', 'store.deleted', 'store.error'] },
    });
    expect(hook.status).toBe(201);
    const created = await h.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'hooked-shop' } });
    expect(created.status).toBe(202);
    const id: string = created.body.id;
    await h.waitForStore(u.token, id, (s) => s.status === 'Ready', 90_000);
    await until('store.ready', () => receiver.received.some((w) => JSON.parse(w.body).type === 'store.ready'));
    const ready = receiver.received.find((w) => JSON.parse(w.body).type === 'store.ready')!;
    expect(verifies(hook.body.secret, ready)).toBe(true);
    expect(JSON.parse(ready.body).data.store).toMatchObject({ id, name: 'hooked-shop', status: 'Ready', url: `https://hooked-shop.${h.config.baseDomain}` });

    expect((await h.request('DELETE', `/api/v1/stores/${id}`, { token: u.token })).status).toBe(202);
    await h.waitForStore(u.token, id, (s) => s.gone === true, 90_000);
    await until('store.deleted', () => receiver.received.some((w) => JSON.parse(w.body).type === 'store.deleted'));
    expect(receiver.received.map((w) => JSON.parse(w.body).type)).toEqual(['store.ready', 'store.deleted']);
  }, 240_000);
});
