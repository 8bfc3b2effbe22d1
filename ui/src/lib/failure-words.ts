/**
 * A failed store's reason in words a shop owner understands. The API's message is Argo CD's or the
 * job's own text (with commit ids and pod names); the page leads with `summary` and keeps `raw` under
 * a <details>. `reason` is the event reason the lifecycle recorded (Degraded, SyncFailed, Timeout,
 * RetriesExhausted, …); when it is missing, the message's own wording decides.
 */
export type FailureWords = { summary: string; raw: string | null };

const byReason: Record<string, string> = {
  Degraded:
    'Your store started but is not running properly. The platform keeps checking, and it becomes Ready by itself once it is healthy; Retry rolls it out again.',
  SyncFailed: 'The platform could not install your store on the cluster. Retry usually fixes this; if it keeps failing, contact support.',
  Timeout: 'Your store took too long to start. Retry to try again; if it keeps happening, contact support.',
  RetriesExhausted: 'The platform could not reach a service it needs to set up your store, and gave up after several tries. Retry in a few minutes.',
  ConfigurationError: 'Your store could not be set up because of a problem on the platform’s side. Contact support; retrying will not help until it is fixed.',
  ProvisionFailed: 'Your store could not be set up. Retry to try again; if it keeps failing, contact support.',
  InvalidSpecError: 'The platform produced a setup your cluster refused. Contact support; this is not something you did.',
  SyncError: 'The platform could not install your store on the cluster. Retry usually fixes this; if it keeps failing, contact support.',
  ComparisonError: 'The platform could not read your store’s setup. Retry usually fixes this; if it keeps failing, contact support.',
};

const generic = 'Your store could not be set up. Retry to try again; if it keeps failing, contact support.';

function reasonFromMessage(message: string): string | undefined {
  if (/degraded|not healthy/i.test(message)) return 'Degraded';
  if (/^sync failed/i.test(message)) return 'SyncFailed';
  if (/^not ready \d+ min/i.test(message)) return 'Timeout';
  return undefined;
}

export function failureWords(message: string | null | undefined, reason?: string | null): FailureWords {
  const raw = message?.trim() ? message.trim() : null;
  const key = (reason && byReason[reason] ? reason : undefined) ?? (raw ? reasonFromMessage(raw) : undefined);
  return { summary: (key && byReason[key]) || generic, raw };
}

/** A Git commit id (40 or 64 hex digits). */
const COMMIT = /\b[0-9a-f]{40}(?:[0-9a-f]{24})?\b/g;

/** Text split into plain parts and commit ids; the page shows an id as its first 7 digits, the full id in a title. */
export function splitCommits(text: string): Array<{ text: string; commit?: string }> {
  const parts: Array<{ text: string; commit?: string }> = [];
  let last = 0;
  for (const m of text.matchAll(COMMIT)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ text: m[0].slice(0, 7), commit: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
