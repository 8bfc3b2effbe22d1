import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/test-platform.ts';

/** The domain routes over real PostgreSQL without a cluster: validation, ownership, the OpenAPI entries. */
let t: TestPlatform;
beforeAll(async () => {
  // A resolver that answers nothing (a closed port): checks record a lookup failure, never a match.
  t = await startTestPlatform({ BASE_DOMAIN: 'shops.example.net', DNS_RESOLVERS: '127.0.0.1:9' });
});
afterAll(async () => t?.close());

describe('the /stores/:id/domains routes', () => {
  it('are all in the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/v1/stores/{id}/domains']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/stores/{id}/domains/{domain}']).sort()).toEqual(['delete', 'patch']);
    expect(Object.keys(doc.paths['/api/v1/stores/{id}/domains/{domain}/check'])).toEqual(['post']);
  });

  it('claim, list, check now (a failing resolver keeps it pending), 404 for an unknown domain, remove; bad input changes nothing', async () => {
    const u = await t.signUp();
    const id = (await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'bakery' } })).body.id as string;
    const path = `/api/v1/stores/${id}/domains`;
    for (const domain of ['not a domain', '10.0.0.1', 'localhost']) {
      const bad = await t.request('POST', path, { token: u.token, body: { domain } });
      expect(bad.status, domain).toBe(422);
      expect(bad.body.errors[0]).toMatchObject({ field: 'domain', code: 'invalid_domain' });
    }
    expect((await t.request('POST', path, { token: u.token, body: { domain: 'a.example', extra: 1 } })).status).toBe(422);
    expect((await t.request('GET', path, { token: u.token })).body.items).toEqual([]);

    const claim = await t.request('POST', path, { token: u.token, body: { domain: 'shop.bakery.example' } });
    expect(claim.status).toBe(201);
    expect(claim.headers.get('location')).toBe(`${path}/shop.bakery.example`);
    const checked = await t.request('POST', `${path}/shop.bakery.example/check`, { token: u.token });
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ status: 'pending', lastCheck: { result: expect.stringMatching(/DNS lookup failed|No TXT record/) } });
    expect((await t.request('POST', `${path}/other.bakery.example/check`, { token: u.token })).status).toBe(404);
    expect((await t.request('PATCH', `${path}/shop.bakery.example`, { token: u.token, body: { primary: true } })).body.code).toBe('not_verified');

    const stranger = await t.signUp();
    expect((await t.request('GET', path, { token: stranger.token })).status).toBe(403);
    expect((await t.request('DELETE', `${path}/shop.bakery.example`, { token: stranger.token })).status).toBe(403);
    expect((await t.request('GET', `/api/v1/stores/00000000-0000-4000-8000-000000000000/domains`, { token: u.token })).status).toBe(404);

    expect((await t.request('DELETE', `${path}/shop.bakery.example`, { token: u.token })).status).toBe(204);
    expect((await t.request('GET', path, { token: u.token })).body.items).toEqual([]);
  });
});
