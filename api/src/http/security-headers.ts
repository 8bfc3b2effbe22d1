import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * Headers of every API response: `X-Content-Type-Options: nosniff`; `Cache-Control: no-store` (tokens,
 * keys, store credentials and every authenticated answer stay out of browser and proxy caches); and HSTS
 * when the request came over TLS, directly or through a proxy trusted by TRUST_PROXY_HOPS (`req.secure`).
 */
export function apiSecurityHeaders(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

/** Under /api/v1 and the operations endpoints: nothing is cached. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** The API reference page's policy: no script at all, only its own inline style (by hash), no framing. */
export function docsPageCsp(html: string): string {
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  return [
    "default-src 'none'",
    `style-src ${styles.join(' ') || "'none'"}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A URL as it may be logged: the path, never the query string (it may carry a key or token by mistake). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?[redacted]`;
}
