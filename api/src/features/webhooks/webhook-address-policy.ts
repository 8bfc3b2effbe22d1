import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Address ranges no webhook may reach unless the operator allows private networks, each with why. */
const FORBIDDEN: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'ipv4', 'a private network address'],
  ['100.64.0.0', 10, 'ipv4', 'a carrier-grade NAT (shared) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'ipv4', 'a private network address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol assignment address'],
  ['192.0.2.0', 24, 'ipv4', 'a documentation address'],
  ['192.168.0.0', 16, 'ipv4', 'a private network address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['198.51.100.0', 24, 'ipv4', 'a documentation address'],
  ['203.0.113.0', 24, 'ipv4', 'a documentation address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved (or broadcast) address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['::ffff:0:0', 96, 'ipv6', 'an IPv4-mapped IPv6 address'],
  ['::', 96, 'ipv6', 'an IPv4-compatible IPv6 address'],
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address'],
  ['64:ff9b:1::', 48, 'ipv6', 'a NAT64 address'],
  ['100::', 64, 'ipv6', 'a discard-only address'],
  ['2001:db8::', 32, 'ipv6', 'a documentation address'],
  ['2002::', 16, 'ipv6', 'a 6to4 address'],
  ['fc00::', 7, 'ipv6', 'a unique local (private) IPv6 address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fec0::', 10, 'ipv6', 'a site-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const RULES = FORBIDDEN.map(([net, prefix, type, why]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { list, type, why };
});

/** Why an address may not be reached, or undefined when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return RULES.find((r) => r.type === type && r.list.check(address, type))?.why;
}

export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Resolves a host name to every address it has (dns.lookup, as a connection would). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Why a webhook URL cannot be used: a reason a user can act on, in a field error. */
export class WebhookAddressRefused extends Error {
  override name = 'WebhookAddressRefused';
  readonly code: 'forbidden_address' | 'unresolvable';
  constructor(code: 'forbidden_address' | 'unresolvable', message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Where a webhook may be sent (SSRF guard). Resolves the URL's host ONCE and checks every address;
 * the delivery then connects to the checked address itself, so a DNS answer that changes between the
 * check and the connection (rebinding) cannot redirect it. `allowPrivate` (an operator's choice) lets
 * every address through, still resolved once.
 */
export class WebhookAddressPolicy {
  private readonly allowPrivate: boolean;
  private readonly resolve: Resolver;

  constructor(opts: { allowPrivate: boolean; resolve?: Resolver }) {
    this.allowPrivate = opts.allowPrivate;
    this.resolve = opts.resolve ?? systemResolver;
  }

  /** The address to connect to for `url`; throws WebhookAddressRefused with the reason otherwise. */
  async check(url: URL): Promise<ResolvedAddress> {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const literal = isIP(host);
    let addresses: ResolvedAddress[];
    if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch {
        addresses = [];
      }
      if (addresses.length === 0) throw new WebhookAddressRefused('unresolvable', `The host ${host} does not resolve to an address.`);
    }
    if (!this.allowPrivate) {
      for (const a of addresses) {
        const why = forbiddenAddressReason(a.address);
        if (why)
          throw new WebhookAddressRefused(
            'forbidden_address',
            `${literal ? host : `${host} resolves to ${a.address}, which`} is ${why}; webhooks are sent to public addresses only (an operator can allow private networks).`,
          );
      }
    }
    return addresses[0]!;
  }
}
