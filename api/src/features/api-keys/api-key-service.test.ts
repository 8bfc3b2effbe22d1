import { describe, expect, it } from 'vitest';
import { createFakeServices } from '../../../test/support/fakes/fake-services.ts';
import { ApiKeyService, hashApiKey } from './api-key-service.ts';

describe(ApiKeyService.name, () => {
  it('issues a 256-bit key shown once and stored only as its hash with a visible prefix', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const { apiKey, key } = await f.services.apiKeys.create(actor, 'ci');
    expect(key).toMatch(/^sp_[\w-]{43}$/);
    expect(apiKey.key_hash).toBe(hashApiKey(key));
    expect(apiKey.prefix).toBe(key.slice(0, 11));
    expect(JSON.stringify([...f.repos.apiKeys.rows.values()])).not.toContain(key);
    expect(f.repos.audit.rows.at(-1)).toMatchObject({ action: 'api_key.create', user_id: actor.userId });
  });

  it('verifies a live key, records its use at most once a minute, and refuses a revoked or unknown one', async () => {
    const f = createFakeServices();
    const actor = await f.actors.user();
    const { apiKey, key } = await f.services.apiKeys.create(actor, 'ci');
    expect((await f.services.apiKeys.verify(key))?.id).toBe(apiKey.id);
    expect((await f.services.apiKeys.verify(key))?.id).toBe(apiKey.id);
    expect(f.repos.apiKeys.touches).toBe(1);
    expect(await f.services.apiKeys.verify(`${key}x`)).toBeNull();
    await f.services.apiKeys.revoke(actor, apiKey.id);
    expect(await f.services.apiKeys.verify(key)).toBeNull();
  });

  it('revokes only the owner’s key: another user gets 403 (audited), an unknown id 404', async () => {
    const f = createFakeServices();
    const owner = await f.actors.user();
    const other = await f.actors.user();
    const { apiKey } = await f.services.apiKeys.create(owner, 'ci');
    await expect(f.services.apiKeys.revoke(other, apiKey.id)).rejects.toMatchObject({ status: 403 });
    expect(f.repos.audit.rows.at(-1)).toMatchObject({ action: 'authz.denied', user_id: other.userId, resource: `api_key:${apiKey.id}` });
    expect(f.repos.apiKeys.rows.get(apiKey.id)!.revoked_at).toBeNull();
    await expect(f.services.apiKeys.revoke(owner, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
    expect(await f.services.apiKeys.list(other)).toEqual([]);
  });
});
