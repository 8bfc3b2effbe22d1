import { Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ApiRegistry } from './api-registry.ts';
import { migrationsApplied } from '../db/migrate.ts';
import { ServiceUnavailableError } from '../errors/app-error.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { docsPageCsp } from './security-headers.ts';

const Health = z.object({ status: z.string(), checks: z.record(z.string(), z.string()).optional() });

/** /healthz, /readyz and /metrics: what a kubelet and Prometheus call, outside the API prefix, no auth. */
export function operationsController({ registry, knex, metrics }: { registry: ApiRegistry; knex: Knex; metrics: Metrics }): Router {
  const ops = Router();
  registry.route(
    ops,
    '',
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: 'Alive', schema: Health } },
    },
    (_req, res) => {
      res.json({ status: 'ok' });
    },
  );
  registry.route(
    ops,
    '',
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: database reachable and migrations applied',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: 'Ready', schema: Health }, 503: { description: 'Not ready' } },
    },
    async (_req, res) => {
      try {
        await knex.raw('SELECT 1');
      } catch {
        throw new ServiceUnavailableError('The database is unreachable.');
      }
      if (!(await migrationsApplied(knex))) throw new ServiceUnavailableError('Database migrations are not applied yet.');
      res.json({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    },
  );
  registry.route(
    ops,
    '',
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: 'Prometheus text format' } },
    },
    async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
  return ops;
}

const PlatformInfo = z.object({ version: z.string(), cluster: z.enum(['simulated', 'kubernetes', 'none']), gitopsMode: z.enum(['push', 'pull-request']) });

/** GET /api/v1/openapi.json, /api/v1/platform and /api/docs: what the platform is, without auth. */
export function platformInfoController({
  registry,
  prefix,
  info,
  openapi,
  docsPage,
}: {
  registry: ApiRegistry;
  prefix: string;
  info: () => z.infer<typeof PlatformInfo>;
  openapi: () => Record<string, unknown>;
  docsPage: () => string;
}): { api: Router; docs: Router } {
  const api = Router();
  registry.route(
    api,
    prefix,
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This API’s OpenAPI 3.1 document',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: 'OpenAPI document' } },
    },
    (_req, res) => {
      res.json(openapi());
    },
  );
  registry.route(
    api,
    prefix,
    {
      method: 'get',
      path: '/platform',
      summary: 'What this platform runs on (e.g. a simulated cluster)',
      tag: 'operations',
      auth: false,
      responses: { 200: { description: 'Platform facts', schema: PlatformInfo } },
    },
    (_req, res) => {
      res.json(info());
    },
  );
  const docs = Router();
  registry.route(
    docs,
    '/api',
    { method: 'get', path: '/docs', summary: 'Rendered API reference', tag: 'operations', auth: false, responses: { 200: { description: 'HTML page' } } },
    (_req, res) => {
      const html = docsPage();
      res.setHeader('Content-Security-Policy', docsPageCsp(html));
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(html);
    },
  );
  return { api, docs };
}
