/**
 * The sim's own control API under /sim/v1 (faults, refresh, reset, stats), on its own router: a table
 * of method + path → handler, JSON in and out, the same bearer token as the Kubernetes API.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';
import { readBody } from './patch.ts';

export interface ControlResult {
  status: number;
  body: unknown;
}

export interface ControlRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below /sim/v1; a RegExp's groups are handed to the handler. */
  path: string | RegExp;
  handle(body: unknown, params: string[]): ControlResult | Promise<ControlResult>;
}

export const CONTROL_PREFIX = '/sim/v1';

export class ControlRouter {
  readonly #routes: readonly ControlRoute[];

  constructor(routes: readonly ControlRoute[]) {
    this.#routes = routes;
  }

  /** Answers a request whose path starts with /sim/v1/; 404 when no route matches. */
  async serve(req: IncomingMessage, pathname: string): Promise<ControlResult> {
    const method = req.method ?? 'GET';
    const raw = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      throw new HttpError(400, 'BadRequest', 'request body must be JSON');
    }
    const path = pathname.slice(CONTROL_PREFIX.length);
    for (const r of this.#routes) {
      if (r.method !== method) continue;
      if (typeof r.path === 'string') {
        if (r.path === path) return r.handle(body, []);
        continue;
      }
      const m = r.path.exec(path);
      if (m) return r.handle(body, m.slice(1) as string[]);
    }
    throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
  }
}
