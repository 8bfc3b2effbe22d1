import type { z } from 'zod';
import type { StoreDomain } from './domain.schema.ts';
import type { DomainView } from './domain-service.ts';
import { challengeName } from './domain-verification.ts';

const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);

/** A claim as the API shows it; names every field (the token is the owner's to publish, so it is shown). */
export function presentDomain(v: DomainView): z.infer<typeof StoreDomain> {
  const c = v.claim;
  return {
    domain: c.domain,
    status: c.status,
    reason: c.reason,
    primary: v.primary,
    record: { type: 'TXT', name: challengeName(c.domain), value: c.token },
    createdAt: iso(c.created_at)!,
    expiresAt: iso(c.expires_at)!,
    verifiedAt: iso(c.verified_at),
    lastCheck: c.last_checked_at ? { at: iso(c.last_checked_at)!, result: c.last_check_result ?? '' } : null,
    certificate: v.certificate,
  };
}
