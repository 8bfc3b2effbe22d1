import type { Knex } from 'knex';

declare const TX: unique symbol;

/**
 * An open transaction, as services see it: a token they hand to repositories and the job queue, never
 * a query builder. Only repositories (and the job queue) turn it back into knex, with `knexOf`.
 */
export type Tx = { readonly [TX]: true };

/** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
export interface Transactor {
  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/** The real one: a knex transaction (Unleash's `withTransactional`, without the service factory). */
export class KnexTransactor implements Transactor {
  private readonly knex: Knex;

  constructor(knex: Knex) {
    this.knex = knex;
  }

  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => fn(trx as unknown as Tx));
  }
}

/** The knex transaction behind a token made by KnexTransactor (for repositories only). */
export function knexOf(tx: Tx): Knex.Transaction {
  return tx as unknown as Knex.Transaction;
}
