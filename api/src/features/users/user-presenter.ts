import type { z } from 'zod';
import type { UserModel } from '../../db/models/user-model.ts';
import type { UserResponse } from '../auth/auth.schema.ts';

/** What the API says about a user: never the password hash (typed by the response schema). */
export function presentUser(u: UserModel): z.infer<typeof UserResponse> {
  return { id: u.id, email: u.email, role: u.role, createdAt: new Date(u.created_at).toISOString() };
}
