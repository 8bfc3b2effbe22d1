import { z } from 'zod';
import { Domain, StoreIdParams } from '../stores/store.schema.ts';
import { DOMAIN_STATUSES } from './domain-repository.ts';

/** The store rules' hostname check (store-rules.ts): lower-cased, RFC 1123, not an IP address. */
const CustomDomain = Domain.describe('A domain you own (RFC 1123 hostname); not under the platform’s base domain');

export const AddDomainBody = z.strictObject({
  /** The custom domain to claim. */
  domain: CustomDomain,
});

export const DomainParams = StoreIdParams.extend({
  /** The claimed domain. */
  domain: CustomDomain,
});

export const UpdateDomainBody = z.strictObject({
  /** true: the domain becomes the store's URL; false on the primary: back to the default domain. */
  primary: z.boolean().describe('Make this verified domain the store’s URL (false: back to the default domain)'),
});

/** A custom domain of a store: the record to publish, the verification state and the certificate's. */
export const StoreDomain = z.object({
  domain: z.string(),
  status: z.enum(DOMAIN_STATUSES).describe('pending: waiting for the TXT record; verified; expired: not verified in time; failed: see `reason`'),
  reason: z.string().nullable().describe('Why the claim expired or failed'),
  primary: z.boolean().describe('This domain is the store’s URL'),
  record: z
    .object({ type: z.literal('TXT'), name: z.string(), value: z.string() })
    .describe('The DNS record to publish: TXT `_store-platform-challenge.<domain>` with the token'),
  createdAt: z.string(),
  expiresAt: z.string().describe('A pending claim expires then'),
  verifiedAt: z.string().nullable(),
  lastCheck: z.object({ at: z.string(), result: z.string() }).nullable().describe('When the record was last looked up, and what was found'),
  certificate: z.object({
    status: z
      .enum(['none', 'pending', 'issuing', 'ready', 'unknown'])
      .describe('none: not verified; pending: not in the certificate yet; unknown: cluster unreachable'),
    message: z.string().nullable(),
  }),
});

export const StoreDomainList = z.object({ items: z.array(StoreDomain) });
