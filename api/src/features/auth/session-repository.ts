import type { Knex } from 'knex';
import type { Role } from '../../db/models/user-model.ts';

export type SessionRow = { id_hash: string; user_id: string; created_at: Date; last_seen_at: Date; expires_at: Date; source_ip: string | null };
/** Who a session is for, read with it (one statement per authenticated dashboard request). */
export type SessionUser = { id: string; email: string; role: Role };

/** SQL of the sessions table (dashboard sign-ins). */
export class SessionRepository {
  private readonly knex: Knex;
  constructor(knex: Knex) {
    this.knex = knex;
  }

  async insert(row: { id_hash: string; user_id: string; expires_at: Date; source_ip: string | null }): Promise<void> {
    await this.knex('sessions').insert(row);
  }

  /** The session, with its user, if it is neither past its absolute expiry nor idle longer than `idleMs` (and the user still exists). */
  async findLive(idHash: string, idleMs: number): Promise<(SessionRow & { user: SessionUser }) | undefined> {
    const row = await this.knex('sessions as s')
      .join('users as u', 'u.id', 's.user_id')
      .select('s.*', 'u.email as user_email', 'u.role as user_role')
      .where('s.id_hash', idHash)
      .andWhere('s.expires_at', '>', this.knex.fn.now())
      .andWhere('s.last_seen_at', '>', this.knex.raw('now() - make_interval(secs => ?)', [idleMs / 1000]))
      .first();
    if (!row) return undefined;
    const { user_email, user_role, ...session } = row as SessionRow & { user_email: string; user_role: Role };
    return { ...session, user: { id: session.user_id, email: user_email, role: user_role } };
  }

  async touch(idHash: string): Promise<void> {
    await this.knex('sessions').where('id_hash', idHash).update({ last_seen_at: this.knex.fn.now() });
  }

  async delete(idHash: string): Promise<number> {
    return this.knex('sessions').where('id_hash', idHash).delete();
  }

  /** Ends every session of the user but `keepHash` (none kept when undefined). */
  async deleteForUser(userId: string, keepHash?: string): Promise<number> {
    const q = this.knex('sessions').where('user_id', userId);
    if (keepHash) q.andWhereNot('id_hash', keepHash);
    return q.delete();
  }

  /** Drops sessions that can no longer be used. */
  async prune(idleMs: number): Promise<void> {
    await this.knex('sessions')
      .where('expires_at', '<=', this.knex.fn.now())
      .orWhere('last_seen_at', '<=', this.knex.raw('now() - make_interval(secs => ?)', [idleMs / 1000]))
      .delete();
  }
}
