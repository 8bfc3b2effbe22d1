import type { TxtLookup, TxtResolver } from '../../../src/features/domains/txt-resolver.ts';

/** TxtResolver in memory: the TXT records a test publishes, by name; `failing` answers a resolver error. */
export class FakeTxtResolver implements TxtResolver {
  readonly records = new Map<string, string[]>();
  readonly lookups: string[] = [];
  failing = false;

  publish(name: string, ...values: string[]): void {
    this.records.set(name, values);
  }
  async resolveTxt(name: string): Promise<TxtLookup> {
    this.lookups.push(name);
    if (this.failing) return { kind: 'error', message: 'DNS lookup failed (ETIMEOUT)' };
    const values = this.records.get(name);
    return values?.length ? { kind: 'records', records: [...values] } : { kind: 'none' };
  }
}
