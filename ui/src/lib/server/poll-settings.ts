/**
 * How often pages poll while a store is changing, and the back-off cap after failures.
 * `DASHBOARD_POLL_INTERVAL_MS` (default 5000) and `DASHBOARD_POLL_MAX_INTERVAL_MS` (default 60000).
 */
export function pollSettings(env: Record<string, string | undefined> = process.env): { intervalMs: number; maxIntervalMs: number } {
  const num = (v: string | undefined, d: number) => {
    const n = Number(v);
    return v && Number.isFinite(n) && n >= 100 ? n : d;
  };
  const intervalMs = num(env.DASHBOARD_POLL_INTERVAL_MS, 5000);
  return { intervalMs, maxIntervalMs: Math.max(intervalMs, num(env.DASHBOARD_POLL_MAX_INTERVAL_MS, 60_000)) };
}
