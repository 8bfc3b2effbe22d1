import pg from 'pg';
import type { Logger } from 'pino';
import { PipelineError } from '../../../../renderer/src/pipeline-error.ts';

/**
 * Who may commit to the GitOps repo right now: one committer per repo at a time, across every worker
 * process. `tryAcquire` never waits (a worker that loses just leaves the work to the holder);
 * `assertHeld` is asked right before a push, so a committer that lost its lock (its session died and
 * another process took over) stops instead of racing the new holder.
 */
export interface CommitterLock {
  tryAcquire(): Promise<boolean>;
  /** Throws when the lock is no longer ours. */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
  close(): Promise<void>;
}

/** The lock was lost while committing (the session to PostgreSQL died): retry, another worker commits. */
export class CommitterLockLostError extends PipelineError {
  override name = 'CommitterLockLostError';
  constructor(message: string) {
    super(message, { transient: true });
  }
}

/** In one process only (tests over fakes, a single worker without PostgreSQL). */
export class LocalCommitterLock implements CommitterLock {
  #held = false;
  async tryAcquire(): Promise<boolean> {
    if (this.#held) return false;
    this.#held = true;
    return true;
  }
  async assertHeld(): Promise<void> {
    if (!this.#held) throw new CommitterLockLostError('the committer lock is not held');
  }
  async release(): Promise<void> {
    this.#held = false;
  }
  async close(): Promise<void> {}
}

/**
 * A PostgreSQL session-level advisory lock, keyed by the repo and branch, on a session of its own (not a
 * pooled connection: the API's pool is never used to hold it, and it is held while no transaction is
 * open). A lost session frees the lock by itself — a crashed committer never blocks the others.
 */
export class PgCommitterLock implements CommitterLock {
  readonly #url: string;
  readonly #key: string;
  readonly #logger: Logger;
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  #held = false;

  constructor(opts: { databaseUrl: string; repo: string; branch: string; logger: Logger }) {
    this.#url = opts.databaseUrl;
    // The key names the repo, not a secret: the token part of an URL is left out.
    this.#key = `store-platform:committer:${opts.repo.replace(/\/\/[^/@]*@/, '//')}#${opts.branch}`;
    this.#logger = opts.logger;
  }

  #session(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      // Named, so an operator (or a test) sees in pg_stat_activity which process is the committer.
      const client = new pg.Client({
        connectionString: this.#url,
        connectionTimeoutMillis: 5000,
        application_name: `store-platform committer pid=${process.pid}`,
      });
      client.on('error', (err) => {
        this.#logger.warn({ err: err.message }, 'committer lock: session lost (the lock is released with it)');
        if (this.#client === client) this.#client = undefined;
        this.#held = false;
        client.end().catch(() => undefined);
      });
      try {
        await client.connect();
      } catch (err) {
        this.#connecting = undefined;
        throw err;
      }
      this.#client = client;
      this.#connecting = undefined;
      return client;
    })();
    return this.#connecting;
  }

  async tryAcquire(): Promise<boolean> {
    if (this.#held) return false;
    const c = await this.#session();
    const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [this.#key]);
    this.#held = rows[0]?.ok === true;
    return this.#held;
  }

  async assertHeld(): Promise<void> {
    const c = this.#client;
    if (!this.#held || !c) throw new CommitterLockLostError('the committer lock was lost');
    try {
      // A live session still holds its session-level lock; ask it so a dead one is noticed now.
      const { rows } = await c.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted",
      );
      if ((rows[0]?.n ?? 0) === 0) throw new Error('no advisory lock held');
    } catch (err) {
      this.#held = false;
      throw new CommitterLockLostError(`the committer lock was lost: ${(err as Error).message}`);
    }
  }

  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    const c = this.#client;
    if (!c) return;
    await c.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.#key]).catch((err: Error) => {
      // Unlocking failed: end the session, which releases the lock for sure.
      this.#logger.warn({ err: err.message }, 'committer lock: unlock failed; closing the session');
      this.#client = undefined;
      void c.end().catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    const c = this.#client;
    this.#client = undefined;
    this.#held = false;
    await c?.end().catch(() => undefined);
  }
}
