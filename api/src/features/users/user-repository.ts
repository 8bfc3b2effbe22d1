import type { Knex } from 'knex';
import { UserModel, type Role } from '../../db/models/user-model.ts';

/** SQL of the users table (objection model bound to this repository's knex). */
export class UserRepository {
  private readonly knex: Knex;
  private readonly User: typeof UserModel;

  constructor(knex: Knex) {
    this.knex = knex;
    this.User = UserModel.bindKnex(knex);
  }

  async findById(id: string, trx?: Knex.Transaction): Promise<UserModel | undefined> {
    return this.User.query(trx).findById(id);
  }

  /** The user row locked FOR UPDATE: serialises a user's concurrent store creations (race-free quota). */
  async lockById(id: string, trx: Knex.Transaction): Promise<UserModel | undefined> {
    return this.User.query(trx).findById(id).forUpdate();
  }

  async findByEmail(email: string): Promise<UserModel | undefined> {
    return this.User.query().whereRaw('lower(email) = lower(?)', [email]).first();
  }

  async insert(row: { email: string; password_hash: string | null; role: Role }): Promise<UserModel> {
    return this.User.query().insert(row).returning('*') as unknown as Promise<UserModel>;
  }

  async setQuota(id: string, quota: number | null): Promise<UserModel | undefined> {
    return this.User.query().patchAndFetchById(id, { store_quota: quota, updated_at: this.knex.fn.now() as unknown as Date });
  }

  /** A new password hash; `password_changed_at` moves on, which ends the JWTs issued before. */
  async setPassword(id: string, passwordHash: string): Promise<UserModel | undefined> {
    return this.User.query().patchAndFetchById(id, { password_hash: passwordHash, password_changed_at: new Date(), updated_at: this.knex.fn.now() as unknown as Date });
  }
}
