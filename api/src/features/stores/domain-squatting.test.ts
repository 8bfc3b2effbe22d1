import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/test-platform.ts';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ BASE_DOMAIN: 'shops.example.net', CREATE_RATE_LIMIT_PER_MINUTE: '1000', RESERVED_NAMES: 'billing-portal' });
});
afterAll(async () => t?.close());

const create = (token: string, body: Record<string, unknown>) => t.request('POST', '/api/v1/stores', { token, body });

describe('domains no tenant may take', () => {
  it('squatting <name>.<BASE_DOMAIN> as a custom domain is refused (422, with the reason), so its rightful store can still be created', async () => {
    const squatter = await t.signUp();
    const res = await create(squatter.token, { name: 'decoy', domain: 'bob.shops.example.net' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        field: 'domain',
        code: 'domain_reserved',
        message: expect.stringContaining('Domains under shops.example.net are the platform'),
      }),
    ]);
    expect(await t.platform.knex('stores').where({ name: 'decoy' })).toHaveLength(0);
    const bob = await t.signUp();
    const own = await create(bob.token, { name: 'bob' });
    expect(own.status).toBe(202);
    expect(own.body.domain).toBe('bob.shops.example.net');
  });

  it('a store may name its own default domain explicitly', async () => {
    const u = await t.signUp();
    expect((await create(u.token, { name: 'carol', domain: 'CAROL.shops.example.net' })).status).toBe(202);
  });

  it.each([['shops.example.net'], ['example.net'], ['SHOPS.example.net']])('the base domain or a parent of it (%s) is refused', async (domain) => {
    const u = await t.signUp();
    const res = await create(u.token, { name: 'grabber', domain });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'domain', code: 'domain_reserved', message: expect.stringContaining("the platform's own domain") }),
    ]);
  });

  it.each([['api'], ['www'], ['admin'], ['dashboard'], ['mail'], ['argocd'], ['grafana'], ['API'], ['billing-portal']])(
    'the reserved name %s is refused as a store name',
    async (name) => {
      const u = await t.signUp();
      const res = await create(u.token, { name });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'name', code: 'name_reserved', message: expect.stringContaining('reserved') })]);
      // …and as a host under the base domain, whatever the store is called.
      const asDomain = await create(u.token, { name: 'innocent', domain: `${name.toLowerCase()}.shops.example.net` });
      expect(asDomain.status).toBe(422);
      expect(asDomain.body.errors[0]).toMatchObject({ field: 'domain', code: 'domain_reserved' });
    },
  );

  it('a domain of the tenant’s own, even starting with www, is fine', async () => {
    const u = await t.signUp();
    expect((await create(u.token, { name: 'mine', domain: 'www.my-own-shop.example.org' })).status).toBe(202);
  });
});
