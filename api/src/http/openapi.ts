import { z } from 'zod';
import type { ApiRegistry } from './api-registry.ts';

const Problem = z
  .object({
    type: z.string().describe('URI of the problem type'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('Stable machine-readable code, e.g. `validation_failed`, `quota_exceeded`'),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .describe('RFC 9457 problem details');

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** Express `/stores/:id` → OpenAPI `/stores/{id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

/** OpenAPI 3.1 document built from the same zod schemas that validate requests. */
export function buildOpenApi(registry: ApiRegistry, info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of registry.routes) {
    const parameters: unknown[] = [];
    for (const [where, obj] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!obj) continue;
      for (const [name, field] of Object.entries(obj.shape)) {
        const f = field as z.ZodType;
        parameters.push({
          name,
          in: where,
          required: where === 'path' || !f.safeParse(undefined).success,
          description: f.description,
          schema: schemaOf(f, 'input'),
        });
      }
    }
    for (const [name, description] of Object.entries(r.headers ?? {}))
      parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });

    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      const isProblem = Number(status) >= 400;
      responses[status] = {
        description: res.description,
        ...(res.headers
          ? { headers: Object.fromEntries(Object.entries(res.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) }
          : {}),
        ...(res.schema || isProblem
          ? {
              content: {
                [isProblem ? 'application/problem+json' : 'application/json']: {
                  schema: res.schema ? schemaOf(res.schema, 'output') : { $ref: '#/components/schemas/Problem' },
                },
              },
            }
          : {}),
      };
    }
    if (r.auth !== false)
      responses['401'] ??= {
        description: 'Missing, invalid, expired or revoked credentials',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };

    const p = (paths[toOpenApiPath(r.fullPath)] ??= {});
    p[r.method] = {
      operationId: `${r.method}${toOpenApiPath(r.fullPath).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: r.summary,
      tags: [r.tag],
      ...(r.auth === false ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Store Platform API',
      version: info.version,
      description: 'Isolated WooCommerce stores on Kubernetes, the GitOps way. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { apiKey: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A JWT from POST /api/v1/auth/login, or an API key (sp_…)' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: { Problem: schemaOf(Problem, 'output') },
    },
    paths,
  };
}
