import { randomUUID } from 'node:crypto';
import { UserModel, type Role } from '../../../src/db/models/user-model.ts';
import type { UserRepository } from '../../../src/features/users/user-repository.ts';

/** UserRepository in memory; e-mails unique case-insensitively, as the database's index makes them. */
export class FakeUserRepository implements UserRepository {
  readonly rows = new Map<string, UserModel>();

  private copy(u: UserModel | undefined) {
    return u ? Object.assign(new UserModel(), u) : undefined;
  }

  async findById(id: string) {
    return this.copy(this.rows.get(id));
  }
  async lockById(id: string) {
    return this.copy(this.rows.get(id));
  }
  async findByEmail(email: string) {
    return this.copy([...this.rows.values()].find((u) => u.email.toLowerCase() === email.toLowerCase()));
  }
  async insert(row: { email: string; password_hash: string | null; role: Role }) {
    if (await this.findByEmail(row.email)) return undefined;
    const now = new Date();
    const user = Object.assign(new UserModel(), { id: randomUUID(), store_quota: null, created_at: now, updated_at: now, ...row });
    this.rows.set(user.id, user);
    return this.copy(user);
  }
  async setQuota(id: string, quota: number | null) {
    const u = this.rows.get(id);
    if (!u) return undefined;
    Object.assign(u, { store_quota: quota, updated_at: new Date() });
    return this.copy(u);
  }

  async setPassword(id: string, passwordHash: string) {
    const u = this.rows.get(id);
    if (!u) return undefined;
    Object.assign(u, { password_hash: passwordHash, password_changed_at: new Date(), updated_at: new Date() });
    return this.copy(u);
  }
}
