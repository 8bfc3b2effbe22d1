import type { RequestHandler, Router } from 'express';
import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What one route accepts and answers: the single source for validation and for the OpenAPI document. */
export type RouteSpec = {
  method: HttpMethod;
  /** Express path relative to the router, e.g. `/stores/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** false for public routes (register, login, health). */
  auth?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Request headers the route reads, documented as parameters. */
  headers?: Record<string, string>;
  responses: Record<number, { description: string; schema?: z.ZodType; headers?: Record<string, string> }>;
};

/** Collects every route the app serves, as it registers them on their routers. */
export class ApiRegistry {
  readonly routes: Array<RouteSpec & { fullPath: string }> = [];

  /** Registers `handlers` on `router` under `spec` and remembers the spec (mounted at `prefix`). */
  route(router: Router, prefix: string, spec: RouteSpec, ...handlers: RequestHandler[]): void {
    const fullPath = prefix + spec.path;
    this.routes.push({ ...spec, fullPath });
    // The route template, for metrics and logs (never the raw path, which would explode label cardinality).
    const tag: RequestHandler = (_req, res, next) => {
      res.locals.routeTemplate = fullPath;
      next();
    };
    router[spec.method](spec.path, tag, ...handlers);
  }
}
