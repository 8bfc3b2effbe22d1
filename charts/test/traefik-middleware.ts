/**
 * Strict check of the Traefik Middlewares the store chart renders (traefik.io/v1alpha1): the fields of
 * Traefik's Middleware CRD the chart uses (redirectScheme, headers), refused when misspelled or unknown,
 * as the API server would with the CRD installed. The sim of this branch does not know the kind; the
 * field names follow Traefik's reference for the redirectScheme and headers middlewares.
 */
import { Ajv } from 'ajv';

const metadata = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'namespace'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    namespace: { type: 'string', minLength: 1 },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'traefik.io/v1alpha1' },
    kind: { const: 'Middleware' },
    metadata,
    spec: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        redirectScheme: {
          type: 'object',
          additionalProperties: false,
          required: ['scheme'],
          properties: { scheme: { enum: ['https', 'http'] }, permanent: { type: 'boolean' }, port: { type: 'string' } },
        },
        headers: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            stsSeconds: { type: 'integer', minimum: 0 },
            stsIncludeSubdomains: { type: 'boolean' },
            stsPreload: { type: 'boolean' },
            forceSTSHeader: { type: 'boolean' },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true }).compile(schema);

/** Field errors of a rendered Middleware (empty = valid). */
export function validateMiddleware(obj: unknown): string[] {
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
}
