import type { UserModel } from '../../db/models/user-model.ts';

/** What the API says about a user: never the password hash. */
export function presentUser(u: UserModel) {
  return { id: u.id, email: u.email, role: u.role, createdAt: new Date(u.created_at).toISOString() };
}
