import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PushMoment = 'before-push' | 'after-push';
/** What the proxy does with this push: pass it on, or drop it unforwarded (only at `before-push`). */
export type PushVerdict = 'forward' | 'drop';

/**
 * A loopback HTTP proxy in front of a Git HTTP server that calls `onPush(moment)` when a client pushes:
 * `before-push` as the receive-pack request arrives (nothing forwarded yet), `after-push` once the server
 * has applied the push and answered, before the answer is relayed. Tests kill a worker there.
 */
export async function startGitPushInterceptor(
  upstream: string,
  onPush: (moment: PushMoment) => PushVerdict | void,
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const isPush = req.method === 'POST' && (req.url ?? '').endsWith('/git-receive-pack');
    if (isPush && onPush('before-push') === 'drop') {
      req.destroy();
      return;
    }
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        if (isPush) onPush('after-push');
        if (res.destroyed) return;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(Buffer.concat(chunks));
      });
    });
    up.on('error', () => res.destroyed || res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
