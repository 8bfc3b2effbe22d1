import { Model } from 'objection';

export type Role = 'user' | 'operator';

/** A person who signs in: owns stores and API keys. */
export class UserModel extends Model {
  static override get tableName() {
    return 'users';
  }
  declare id: string;
  declare email: string;
  declare password_hash: string | null;
  declare role: Role;
  declare store_quota: number | null;
  declare created_at: Date;
  declare updated_at: Date;
  /** Set by a password change: JWTs issued before it are refused. */
  declare password_changed_at: Date | null;
}
