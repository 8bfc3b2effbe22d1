/** A custom domain of a store, as GET /api/v1/stores/:id/domains answers it. */
export type StoreDomain = {
  domain: string;
  status: 'pending' | 'verified' | 'expired' | 'failed';
  reason: string | null;
  primary: boolean;
  record: { type: 'TXT'; name: string; value: string };
  createdAt: string;
  expiresAt: string;
  verifiedAt: string | null;
  lastCheck: { at: string; result: string } | null;
  certificate: { status: 'none' | 'pending' | 'issuing' | 'ready' | 'unknown'; message: string | null };
};

/** What each verification state means to a shop owner. */
export const DOMAIN_STATUS_WORDS: Record<StoreDomain['status'], string> = {
  pending: 'Waiting for the DNS record',
  verified: 'Verified',
  expired: 'Expired',
  failed: 'Failed',
};

/** What each certificate state means (a verified domain only). */
export const CERTIFICATE_WORDS: Record<StoreDomain['certificate']['status'], string> = {
  none: 'No certificate until verified',
  pending: 'Adding the domain to the certificate',
  issuing: 'Certificate being issued',
  ready: 'HTTPS ready',
  unknown: 'Certificate status unavailable',
};

/** The panel keeps checking while something is still on its way. */
export const isSettling = (d: StoreDomain): boolean => d.status === 'pending' || (d.status === 'verified' && d.certificate.status !== 'ready' && d.certificate.status !== 'unknown');
