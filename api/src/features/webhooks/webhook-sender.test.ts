import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpWebhookSender } from './webhook-sender.ts';

/** A loopback server: `/redirect` answers 302, `/slow` never answers, anything else 204. */
const seen: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    seen.push({ path: req.url ?? '', headers: req.headers, body });
    if (req.url === '/slow') return; // no answer: the sender's deadline ends it
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/elsewhere' }).end();
      return;
    }
    res.writeHead(204).end();
  });
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const loopback = { address: '127.0.0.1', family: 4 as const };

describe('httpWebhookSender', () => {
  it('connects to the checked address, not to what the name resolves to now (no DNS rebinding), keeping the URL’s Host', async () => {
    // `.invalid` never resolves: the request arrives only because the connection is pinned to the checked address.
    const r = await httpWebhookSender(new URL(`http://hooks.invalid:${port}/in`), loopback, { 'webhook-id': 'msg_1' }, '{"a":1}', 5000);
    expect(r).toMatchObject({ statusCode: 204, error: null });
    expect(seen.at(-1)).toMatchObject({ path: '/in', body: '{"a":1}', headers: { host: `hooks.invalid:${port}`, 'webhook-id': 'msg_1' } });
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const before = seen.length;
    const r = await httpWebhookSender(new URL(`http://127.0.0.1:${port}/redirect`), loopback, {}, '{}', 5000);
    expect(r).toMatchObject({ statusCode: 302, error: 'The receiver answered HTTP 302.' });
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/redirect']);
  });

  it('gives up on a receiver that does not answer by the deadline, and reports a refused connection', async () => {
    expect(await httpWebhookSender(new URL(`http://127.0.0.1:${port}/slow`), loopback, {}, '{}', 300)).toMatchObject({
      statusCode: null,
      error: 'No answer within 300 ms.',
    });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const gone = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await httpWebhookSender(new URL(`http://127.0.0.1:${gone}/`), loopback, {}, '{}', 5000)).toMatchObject({
      statusCode: null,
      error: 'Could not deliver: ECONNREFUSED.',
    });
  });
});
