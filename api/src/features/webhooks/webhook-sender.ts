import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './webhook-address-policy.ts';

export type SendResult = { statusCode: number | null; error: string | null; durationMs: number };
/** Sends one signed delivery to the checked address. */
export type WebhookSender = (url: URL, address: ResolvedAddress, headers: Record<string, string>, body: string, timeoutMs: number) => Promise<SendResult>;

/** Reads at most this much of a receiver's answer (it is not kept; reading lets the connection end cleanly). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs over HTTP(S) to `address` — the one the policy checked — whatever the name resolves to now: the
 * connection's lookup is pinned, while the Host header, TLS server name and certificate check stay the
 * URL's host. Redirects are not followed (a 3xx is a failed attempt); the whole exchange has a deadline.
 */
export const httpWebhookSender: WebhookSender = (url, address, headers, body, timeoutMs) => {
  const started = performance.now();
  const lookup: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [address]);
    else cb(null, address.address, address.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const done = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ statusCode, error, durationMs: performance.now() - started });
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'store-platform-webhooks/1' },
        lookup,
        agent: false,
      },
      (res: IncomingMessage) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        const status = res.statusCode ?? null;
        const finish = () => done(status, status !== null && status >= 200 && status < 300 ? null : `The receiver answered HTTP ${status}.`);
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const deadline = setTimeout(() => {
      req.destroy();
      done(null, `No answer within ${timeoutMs} ms.`);
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done(null, `Could not deliver: ${err.code ?? err.message}.`));
    req.end(body);
  });
};
