import type { Transactor, Tx } from '../../../src/db/transactor.ts';

/**
 * Transactions for fakes: runs one at a time (as row locks would serialise the work they guard), so a
 * rule such as the quota is tested under concurrency without a database. Nothing is rolled back: a
 * service's checks come before its writes, and a test that needs more uses PostgreSQL.
 */
export class FakeTransactor implements Transactor {
  #tail: Promise<unknown> = Promise.resolve();
  /** Transactions run so far. */
  runs = 0;

  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const next = this.#tail.then(() => {
      this.runs += 1;
      return fn({} as Tx);
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
