import type { Knex } from 'knex';
import { UserModel, type Role } from '../../db/models/user-model.ts';
import { isUniqueViolation } from '../../db/is-unique-violation.ts';
import { knexOf, type Tx } from '../../db/transactor.ts';

/** The users table. */
export interface UserRepository {
  findById(id: string, tx?: Tx): Promise<UserModel | undefined>;
  /** The user row locked FOR UPDATE: serialises a user's concurrent store creations (race-free quota). */
  lockById(id: string, tx: Tx): Promise<UserModel | undefined>;
  /** E-mails compare case-insensitively. */
  findByEmail(email: string): Promise<UserModel | undefined>;
  /** The new user; undefined when the e-mail is taken. */
  insert(row: { email: string; password_hash: string | null; role: Role }): Promise<UserModel | undefined>;
  setQuota(id: string, quota: number | null): Promise<UserModel | undefined>;
  /** A new password hash; `password_changed_at` moves on, which ends the JWTs issued before. */
  setPassword(id: string, passwordHash: string): Promise<UserModel | undefined>;
}

/** The UserRepository over PostgreSQL (objection model bound to this repository's knex). */
export class PgUserRepository implements UserRepository {
  private readonly db: Knex;
  private readonly User: typeof UserModel;

  constructor(knex: Knex) {
    this.db = knex;
    this.User = UserModel.bindKnex(knex);
  }

  async findById(id: string, tx?: Tx): Promise<UserModel | undefined> {
    return this.User.query(tx && knexOf(tx)).findById(id);
  }

  async lockById(id: string, tx: Tx): Promise<UserModel | undefined> {
    return this.User.query(knexOf(tx)).findById(id).forUpdate();
  }

  async findByEmail(email: string): Promise<UserModel | undefined> {
    return this.User.query().whereRaw('lower(email) = lower(?)', [email]).first();
  }

  async insert(row: { email: string; password_hash: string | null; role: Role }): Promise<UserModel | undefined> {
    try {
      return await (this.User.query().insert(row).returning('*') as unknown as Promise<UserModel>);
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  async setQuota(id: string, quota: number | null): Promise<UserModel | undefined> {
    return this.User.query().patchAndFetchById(id, { store_quota: quota, updated_at: this.db.fn.now() as unknown as Date });
  }

  /** A new password hash; `password_changed_at` moves on, which ends the JWTs issued before. */
  async setPassword(id: string, passwordHash: string): Promise<UserModel | undefined> {
    return this.User.query().patchAndFetchById(id, {
      password_hash: passwordHash,
      password_changed_at: new Date(),
      updated_at: this.db.fn.now() as unknown as Date,
    });
  }
}
