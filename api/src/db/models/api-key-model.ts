import { Model } from 'objection';

/** An API key: only its SHA-256 hash and a short prefix (for people to recognise it) are stored. */
export class ApiKeyModel extends Model {
  static override get tableName() {
    return 'api_keys';
  }
  declare id: string;
  declare user_id: string;
  declare name: string;
  declare prefix: string;
  declare key_hash: string;
  declare created_at: Date;
  declare last_used_at: Date | null;
  declare revoked_at: Date | null;
}
