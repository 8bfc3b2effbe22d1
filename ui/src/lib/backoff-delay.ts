/**
 * Delay before the next poll: the base interval while all is well; after `failures` failed polls in a row
 * it doubles each time (5, 10, 20, 40 s …) up to `capMs`.
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number): number {
  if (failures <= 0) return baseMs;
  return Math.min(baseMs * 2 ** Math.min(failures, 30), capMs);
}
