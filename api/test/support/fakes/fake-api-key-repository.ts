import { randomUUID } from 'node:crypto';
import { ApiKeyModel } from '../../../src/db/models/api-key-model.ts';
import type { ApiKeyRepository } from '../../../src/features/api-keys/api-key-repository.ts';

/** ApiKeyRepository in memory; `touches` counts last-use writes. */
export class FakeApiKeyRepository implements ApiKeyRepository {
  readonly rows = new Map<string, ApiKeyModel>();
  touches = 0;

  async insert(row: { user_id: string; name: string; prefix: string; key_hash: string }) {
    const k = Object.assign(new ApiKeyModel(), { id: randomUUID(), created_at: new Date(), last_used_at: null, revoked_at: null, ...row });
    this.rows.set(k.id, k);
    return Object.assign(new ApiKeyModel(), k);
  }
  async listByUser(userId: string) {
    return [...this.rows.values()].filter((k) => k.user_id === userId).reverse();
  }
  async findById(id: string) {
    return this.rows.get(id);
  }
  async findByHash(hash: string) {
    return [...this.rows.values()].find((k) => k.key_hash === hash);
  }
  async revoke(id: string) {
    const k = this.rows.get(id);
    if (k && !k.revoked_at) k.revoked_at = new Date();
  }
  async touch(id: string) {
    const k = this.rows.get(id);
    if (!k) return;
    this.touches += 1;
    k.last_used_at = new Date();
  }
}
