import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from './validate.ts';

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

type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** A route's request, parsed once against its spec: what its handler works with. */
export type RouteInput<S extends RouteSpec> = { params: Parsed<S['params']>; query: Parsed<S['query']>; body: Parsed<S['body']> };

export type RouteHandler<S extends RouteSpec> = (input: RouteInput<S>, req: Request, res: Response) => unknown;

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

  /**
   * Registers a route whose params, query and body are parsed once, against the spec's schemas (a 422
   * naming every bad field otherwise), and handed to `handler` typed (Outline's `ctx.input`).
   * `before` runs first (e.g. requireOperator).
   */
  endpoint<const S extends RouteSpec>(router: Router, prefix: string, spec: S, handler: RouteHandler<S>, before: RequestHandler[] = []): void {
    const parse = (schema: z.ZodType | undefined, data: unknown, where: 'params' | 'query' | 'body') =>
      schema ? parseOrThrow(schema, data ?? {}, where) : undefined;
    this.route(router, prefix, spec, ...before, async (req, res) => {
      const input = {
        params: parse(spec.params, req.params, 'params'),
        query: parse(spec.query, req.query, 'query'),
        body: parse(spec.body, req.body, 'body'),
      } as RouteInput<S>;
      await handler(input, req, res);
    });
  }
}
