import { createHash, randomBytes } from 'node:crypto';
import type { SessionRepository, SessionUser } from './session-repository.ts';

/** What a dashboard session cookie holds: `sps_` and 32 random bytes. It is not an API credential on its own. */
export const SESSION_PREFIX = 'sps_';
const SHAPE = /^sps_[\w-]{43}$/;

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Opaque server-side sessions of the dashboard. The dashboard's server keeps the token in an HttpOnly
 * cookie and presents it, with the dashboard's shared secret, on each API call; only its hash is stored,
 * so the table leaks nothing usable. A session ends when deleted (sign-out, password change), after
 * `idleMs` without a request, or `maxMs` after sign-in.
 */
export class SessionService {
  private readonly repo: SessionRepository;
  private readonly idleMs: number;
  private readonly maxMs: number;
  /** `last_seen_at` is written at most this often per session (not on every request). */
  private readonly touchEveryMs: number;
  private starts = 0;

  constructor(repo: SessionRepository, settings: { idleMs: number; maxMs: number }) {
    this.repo = repo;
    this.idleMs = settings.idleMs;
    this.maxMs = settings.maxMs;
    this.touchEveryMs = Math.min(60_000, settings.idleMs / 10);
  }

  get idleTimeoutSeconds(): number {
    return Math.floor(this.idleMs / 1000);
  }

  async start(userId: string, sourceIp: string | null): Promise<{ token: string; idHash: string }> {
    const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
    const idHash = hash(token);
    await this.repo.insert({ id_hash: idHash, user_id: userId, expires_at: new Date(Date.now() + this.maxMs), source_ip: sourceIp });
    if (++this.starts % 200 === 0) void this.repo.prune(this.idleMs).catch(() => undefined); // ended sessions are dropped now and then
    return { token, idHash };
  }

  /** The live session the token names, with its user, its idle clock restarted; undefined when unknown, ended or expired. */
  async resolve(token: string): Promise<{ userId: string; idHash: string; user: SessionUser } | undefined> {
    if (!SHAPE.test(token)) return undefined;
    const idHash = hash(token);
    const row = await this.repo.findLive(idHash, this.idleMs);
    if (!row) return undefined;
    if (Date.now() - new Date(row.last_seen_at).getTime() > this.touchEveryMs) await this.repo.touch(idHash);
    return { userId: row.user_id, idHash, user: row.user };
  }

  async end(idHash: string): Promise<void> {
    await this.repo.delete(idHash);
  }

  /** After a password change: every other session of the user ends. */
  async endOthers(userId: string, keepHash?: string): Promise<number> {
    return this.repo.deleteForUser(userId, keepHash);
  }
}
