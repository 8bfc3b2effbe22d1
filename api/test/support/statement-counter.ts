import type { Knex } from 'knex';

/**
 * Counts the SQL statements a knex instance sends (its `query` events: BEGIN, COMMIT, SAVEPOINT and
 * RELEASE included), so a test can say how many round trips one request costs. Counts, not timings.
 */
export class StatementCounter {
  readonly statements: string[] = [];
  private readonly knex: Knex;
  private readonly listener = (q: { sql: string }) => {
    this.statements.push(q.sql);
  };

  constructor(knex: Knex) {
    this.knex = knex;
  }

  /** The statements `fn` sends (nothing else should use this knex meanwhile). */
  async during(fn: () => Promise<unknown>): Promise<string[]> {
    this.statements.length = 0;
    this.knex.on('query', this.listener);
    try {
      await fn();
    } finally {
      this.knex.off('query', this.listener);
    }
    return [...this.statements];
  }
}
