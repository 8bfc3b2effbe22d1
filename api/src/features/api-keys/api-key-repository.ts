import type { Knex } from 'knex';
import { ApiKeyModel } from '../../db/models/api-key-model.ts';
import type { Role } from '../../db/models/user-model.ts';

/** Who a key belongs to, as authenticate needs it. */
export type ApiKeyOwner = { id: string; email: string; role: Role };

/** The api_keys table. */
export interface ApiKeyRepository {
  insert(row: { user_id: string; name: string; prefix: string; key_hash: string }): Promise<ApiKeyModel>;
  /** Newest first. */
  listByUser(userId: string): Promise<ApiKeyModel[]>;
  findById(id: string): Promise<ApiKeyModel | undefined>;
  /** The key and, read with it, its owner (PostgreSQL always gives the owner; a fake may not). */
  findByHash(hash: string): Promise<(ApiKeyModel & { owner?: ApiKeyOwner }) | undefined>;
  /** Sets revoked_at once (a second revoke keeps the first time). */
  revoke(id: string): Promise<void>;
  /** Records use now, at most once a minute. */
  touch(id: string): Promise<void>;
}

/** The ApiKeyRepository over PostgreSQL. */
export class PgApiKeyRepository implements ApiKeyRepository {
  private readonly knex: Knex;
  private readonly ApiKey: typeof ApiKeyModel;

  constructor(knex: Knex) {
    this.knex = knex;
    this.ApiKey = ApiKeyModel.bindKnex(knex);
  }

  async insert(row: { user_id: string; name: string; prefix: string; key_hash: string }): Promise<ApiKeyModel> {
    return this.ApiKey.query().insert(row).returning('*') as unknown as Promise<ApiKeyModel>;
  }

  async listByUser(userId: string): Promise<ApiKeyModel[]> {
    return this.ApiKey.query().where('user_id', userId).orderBy('created_at', 'desc');
  }

  async findById(id: string): Promise<ApiKeyModel | undefined> {
    return this.ApiKey.query().findById(id);
  }

  async findByHash(hash: string): Promise<(ApiKeyModel & { owner: ApiKeyOwner }) | undefined> {
    // The owner in the same statement: an API-key request reads the database once to authenticate.
    const row = (await this.ApiKey.query()
      .alias('k')
      .join('users as u', 'u.id', 'k.user_id')
      .select('k.*', 'u.email as owner_email', 'u.role as owner_role')
      .where('k.key_hash', hash)
      .first()) as (ApiKeyModel & { owner_email?: string; owner_role?: Role }) | undefined;
    if (!row) return undefined;
    const { owner_email, owner_role } = row;
    delete row.owner_email;
    delete row.owner_role;
    return Object.assign(row, { owner: { id: row.user_id, email: owner_email!, role: owner_role! } });
  }

  async revoke(id: string): Promise<void> {
    await this.ApiKey.query()
      .patch({ revoked_at: this.knex.fn.now() as unknown as Date })
      .where('id', id)
      .whereNull('revoked_at');
  }

  /** Records use now (the guard in SQL keeps concurrent requests from all writing). */
  async touch(id: string): Promise<void> {
    await this.knex('api_keys')
      .update({ last_used_at: this.knex.fn.now() })
      .where('id', id)
      .andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', this.knex.raw("now() - interval '1 minute'")));
  }
}
