/**
 * How often pages poll, and the back-off cap after failures: `DASHBOARD_POLL_INTERVAL_MS` (default 5000)
 * while a store is changing (Pending, Deleting); `DASHBOARD_SLOW_POLL_INTERVAL_MS` (default 30000) for
 * stores that are settled (Ready, Error), so a store that breaks or heals shows without a reload;
 * `DASHBOARD_POLL_MAX_INTERVAL_MS` (default 60000) caps the back-off (which never exceeds 5 s, see backoff-delay.ts).
 */
export function pollSettings(env: Record<string, string | undefined> = process.env): { intervalMs: number; slowIntervalMs: number; maxIntervalMs: number } {
  const num = (v: string | undefined, d: number) => {
    const n = Number(v);
    return v && Number.isFinite(n) && n >= 100 ? n : d;
  };
  const intervalMs = num(env.DASHBOARD_POLL_INTERVAL_MS, 5000);
  const slowIntervalMs = Math.max(intervalMs, num(env.DASHBOARD_SLOW_POLL_INTERVAL_MS, 30_000));
  return { intervalMs, slowIntervalMs, maxIntervalMs: Math.max(slowIntervalMs, num(env.DASHBOARD_POLL_MAX_INTERVAL_MS, 60_000)) };
}
