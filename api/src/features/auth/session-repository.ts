import type { Knex } from 'knex';

export type SessionRow = { id_hash: string; user_id: string; created_at: Date; last_seen_at: Date; expires_at: Date; source_ip: string | null };

/** SQL of the sessions table (dashboard sign-ins). */
export class SessionRepository {
  private readonly knex: Knex;
  constructor(knex: Knex) {
    this.knex = knex;
  }

  async insert(row: { id_hash: string; user_id: string; expires_at: Date; source_ip: string | null }): Promise<void> {
    await this.knex('sessions').insert(row);
  }

  /** The session if it is neither past its absolute expiry nor idle longer than `idleMs`. */
  async findLive(idHash: string, idleMs: number): Promise<SessionRow | undefined> {
    return this.knex('sessions')
      .where('id_hash', idHash)
      .andWhere('expires_at', '>', this.knex.fn.now())
      .andWhere('last_seen_at', '>', this.knex.raw('now() - make_interval(secs => ?)', [idleMs / 1000]))
      .first();
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
