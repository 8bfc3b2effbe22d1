import { promises as dns } from 'node:dns';

/** What a TXT lookup found: the records (each one's strings joined), none, or a resolver failure. */
export type TxtLookup = { kind: 'records'; records: string[] } | { kind: 'none' } | { kind: 'error'; message: string };

/** Looks up TXT records. The real one asks DNS servers; tests use a fake behind the same interface. */
export interface TxtResolver {
  resolveTxt(name: string): Promise<TxtLookup>;
}

/** Answers meaning "there is no such record" (as opposed to "the resolver could not answer"). */
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

/**
 * TXT lookups through node:dns's Resolver: against `servers` (host[:port] IP addresses, DNS_RESOLVERS)
 * when given, else the system's resolvers. Never throws: a failure is a result the owner is shown.
 */
export class DnsTxtResolver implements TxtResolver {
  private readonly resolver: dns.Resolver;

  constructor(opts: { servers?: readonly string[]; timeoutMs?: number } = {}) {
    this.resolver = new dns.Resolver({ timeout: opts.timeoutMs ?? 3000, tries: 2 });
    if (opts.servers && opts.servers.length > 0) this.resolver.setServers([...opts.servers]);
  }

  async resolveTxt(name: string): Promise<TxtLookup> {
    try {
      // A TXT record may be split into strings of at most 255 bytes: the record is their concatenation.
      const records = (await this.resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
      return records.length ? { kind: 'records', records } : { kind: 'none' };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (NO_RECORD.has(code)) return { kind: 'none' };
      return { kind: 'error', message: `DNS lookup failed (${code || (err as Error).message})` };
    }
  }
}
