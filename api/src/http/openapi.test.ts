import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestPlatform, type TestPlatform } from '../../test/support/test-platform.ts';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => t?.close());

/** Every [method, path] registered on the Express app, walking nested routers. */
function servedRoutes(stack: any[], out: Array<[string, string]> = []): Array<[string, string]> {
  for (const layer of stack) {
    if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push([m, layer.route.path]);
    else if (layer.handle?.stack) servedRoutes(layer.handle.stack, out);
  }
  return out;
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const res = await t.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const result = await new Validator().validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route the app serves, and nothing it does not', async () => {
    const doc = (await t.request('GET', '/api/v1/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m} ${p}`));
    const registered = t.platform.registry.routes.map((r) => `${r.method} ${r.fullPath.replace(/:(\w+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(registered.sort());
    // Nothing was registered on a router behind the registry's back.
    const served = servedRoutes((t.platform.app as any).router.stack).map(([m, p]) => `${m} ${p}`);
    expect(served.sort()).toEqual(t.platform.registry.routes.map((r) => `${r.method} ${r.path}`).sort());
    // And each documented route is really there (no 404 "no route" problem).
    for (const r of t.platform.registry.routes) {
      const path = r.fullPath.replace(/:id/g, '00000000-0000-4000-8000-000000000000');
      const res = await t.request(r.method.toUpperCase(), path, { body: r.method === 'get' || r.method === 'delete' ? undefined : {} });
      expect(res.body?.detail ?? '', `${r.method} ${path}`).not.toMatch(/^No route/);
    }
  });

  it('documents the create route with its body schema, Idempotency-Key and problem responses', async () => {
    const doc = (await t.request('GET', '/api/v1/openapi.json')).body;
    const op = doc.paths['/api/v1/stores'].post;
    expect(op.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['name'] });
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    expect(Object.keys(op.responses).sort()).toEqual(['200', '202', '401', '409', '422', '429']);
    expect(doc.paths['/api/v1/stores/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true, schema: { format: 'uuid' } });
  });

  it('documents the plans: GET /plans and PATCH /stores/{id} with its body, 202/200 and the refusals', async () => {
    const doc = (await t.request('GET', '/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/v1/plans'].get.responses)).toContain('200');
    const patch = doc.paths['/api/v1/stores/{id}'].patch;
    expect(patch.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['plan'] });
    expect(Object.keys(patch.responses).sort()).toEqual(['200', '202', '401', '403', '404', '409', '422']);
    expect(doc.paths['/api/v1/stores'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('plan');
  });

  it('renders a reference page at /api/docs', async () => {
    const res = await fetch(`${t.baseUrl}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('/api/v1/stores/{id}/events');
    expect(html).toContain('Request a new store');
  });
});

describe('operations endpoints', () => {
  it('/api/v1/platform says what the platform runs on', async () => {
    expect((await t.request('GET', '/api/v1/platform')).body).toEqual({ version: expect.any(String), cluster: 'none', gitopsMode: 'push' });
  });

  it('/healthz answers while /readyz checks database and migrations', async () => {
    expect((await t.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.request('GET', '/readyz')).body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('/metrics has default metrics, stores by status and request latency by route template', async () => {
    const u = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'metered' } });
    await t.request('GET', `/api/v1/stores/${s.body.id}`, { token: u.token });
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/store_platform_stores\{status="Pending"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/stores\/:id",status_code="200"\} 1/);
    expect(text).not.toContain(s.body.id);
  });
  it('documents suspend and resume, their problem codes, and Suspended among the statuses', async () => {
    const doc = (await t.request('GET', '/api/v1/openapi.json')).body;
    const suspend = doc.paths['/api/v1/stores/{id}/suspend'].post;
    const resume = doc.paths['/api/v1/stores/{id}/resume'].post;
    expect(Object.keys(suspend.responses).sort()).toEqual(['202', '401', '403', '404', '409', '422']);
    expect(suspend.requestBody.content['application/json'].schema.properties).toHaveProperty('reason');
    expect(resume.responses['403'].description).toContain('suspended_by_operator');
    expect(JSON.stringify(doc)).toContain('"Suspended"');
  });
});
