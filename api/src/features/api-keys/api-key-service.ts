import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../auth/actor.ts';
import { ForbiddenError, NotFoundError } from '../../errors/app-error.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ApiKeyOwner, ApiKeyRepository } from './api-key-repository.ts';
import type { ApiKeyModel } from '../../db/models/api-key-model.ts';

/** Every key starts with this, so a Bearer credential can be told apart from a JWT. */
export const API_KEY_PREFIX = 'sp_';
const PREFIX_SHOWN = 11; // "sp_" + 8 characters: enough to recognise, useless to guess

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Issues, lists, revokes and verifies API keys. Keys have 256 bits of entropy, so SHA-256 is a sound hash. */
export class ApiKeyService {
  private readonly keys: ApiKeyRepository;
  private readonly audit: AuditLog;

  constructor(keys: ApiKeyRepository, audit: AuditLog) {
    this.keys = keys;
    this.audit = audit;
  }

  async create(actor: Actor, name: string): Promise<{ apiKey: ApiKeyModel; key: string }> {
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const apiKey = await this.keys.insert({ user_id: actor.userId, name, prefix: key.slice(0, PREFIX_SHOWN), key_hash: hashApiKey(key) });
    await this.audit.record({ action: 'api_key.create', outcome: 'success', actor, resource: `api_key:${apiKey.id}` });
    return { apiKey, key };
  }

  list(actor: Actor): Promise<ApiKeyModel[]> {
    return this.keys.listByUser(actor.userId);
  }

  async revoke(actor: Actor, id: string): Promise<void> {
    const apiKey = await this.keys.findById(id);
    if (!apiKey) throw new NotFoundError('API key not found.');
    if (apiKey.user_id !== actor.userId) {
      await this.audit.record({ action: 'authz.denied', outcome: 'failure', actor, resource: `api_key:${id}` });
      throw new ForbiddenError('This API key belongs to another user.');
    }
    await this.keys.revoke(id);
    await this.audit.record({ action: 'api_key.revoke', outcome: 'success', actor, resource: `api_key:${id}` });
  }

  /** The key's record when it exists and is not revoked; null otherwise. */
  async verify(key: string): Promise<(ApiKeyModel & { owner?: ApiKeyOwner }) | null> {
    const apiKey = await this.keys.findByHash(hashApiKey(key));
    if (!apiKey || apiKey.revoked_at) return null;
    // Last use is recorded at most once a minute: no write on every authenticated request.
    if (!apiKey.last_used_at || Date.now() - new Date(apiKey.last_used_at).getTime() > 60_000) await this.keys.touch(apiKey.id);
    return apiKey;
  }

  /** What may be logged of a presented key: its visible prefix only. */
  static visiblePrefix(key: string): string {
    return key.slice(0, PREFIX_SHOWN);
  }
}
