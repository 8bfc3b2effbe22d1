/** Reconnect attempts never wait longer than this: the page recovers within seconds of the server's return. */
export const RECONNECT_CEILING_MS = 5000;

/**
 * Delay before the next poll: the base interval while all is well; after `failures` failed polls in a row
 * it starts at one second (or the base, if shorter) and doubles (1, 2, 4 s …) up to `capMs`, and never
 * beyond RECONNECT_CEILING_MS: a reconnect probe is one small request, and a user watching "reconnecting"
 * should not wait half a minute after the platform is back. `jitter` (0–1, e.g. Math.random()) spreads
 * the tabs of many users over ±20 %, so they do not all come back in the same instant.
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number, jitter = 0.5): number {
  if (failures <= 0) return baseMs;
  const first = Math.min(baseMs, 1000);
  const delay = Math.min(first * 2 ** Math.min(failures - 1, 30), capMs, RECONNECT_CEILING_MS);
  return Math.round(delay * (0.8 + 0.4 * Math.min(1, Math.max(0, jitter))));
}
