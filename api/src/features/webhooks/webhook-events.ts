/**
 * The events a webhook endpoint may subscribe to, and which store status change raises which. The
 * mapping is keyed on status strings (not the StoreStatus type) so that statuses another part of the
 * lifecycle adds (`Suspended`) map already: Ready, Error and Suspended are entered, Suspended → Ready
 * is a resume, and removing the record is `store.deleted`.
 */
export const WEBHOOK_EVENT_TYPES = ['store.ready', 'store.error', 'store.suspended', 'store.resumed', 'store.deleted', 'domain.verified'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export type StatusPair = { status: string; phase: string };

/** The event a status change raises, if any (a change within a status, e.g. failed → degraded, raises none). */
export function webhookEventForTransition(before: StatusPair | undefined, after: StatusPair): WebhookEventType | undefined {
  const from = before?.status;
  if (from === after.status) return undefined;
  switch (after.status) {
    case 'Ready':
      // Back from a suspension (directly, or through a resuming phase) is a resume, not a first start.
      return from === 'Suspended' || before?.phase === 'resuming' ? 'store.resumed' : 'store.ready';
    case 'Error':
      return 'store.error';
    case 'Suspended':
      return 'store.suspended';
    default:
      return undefined;
  }
}
