/** The store's usage as the API answers it (GET /stores/:id/usage), plus `unavailable` for a failed read. */
export const USAGE_RANGES = ['1h', '24h', '7d'] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];
export type UsagePoint = { at: string; value: number };
export type UsageSeries = { unit: 'cores' | 'bytes' | 'restarts'; points: UsagePoint[] };
export type UsageMetrics = { cpu: UsageSeries; memory: UsageSeries; storageUsed: UsageSeries; storageRequested: UsageSeries; restarts: UsageSeries };
export type StoreUsageView =
  | { monitoring: 'ok'; range: UsageRange; start: string; end: string; stepSeconds: number; metrics: UsageMetrics }
  | { monitoring: 'not_configured'; message: string }
  | { monitoring: 'unavailable'; message: string };

export const RANGE_WORDS: Record<UsageRange, string> = { '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days' };

/** 1.5 GiB, 500 MiB, 12 KiB: binary units, as Kubernetes quantities are written. */
export function formatBytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? Math.round(v) : Number(v.toFixed(v < 10 ? 2 : 1))} ${units[i]}`;
}

export function formatValue(v: number, unit: UsageSeries['unit']): string {
  if (unit === 'bytes') return formatBytes(v);
  if (unit === 'cores') return `${Number(v.toFixed(v < 0.1 ? 3 : 2))} ${v === 1 ? 'core' : 'cores'}`;
  return `${Math.round(v)} ${Math.round(v) === 1 ? 'restart' : 'restarts'}`;
}

/**
 * An SVG path (`M x y L x y …`) of `points` on a `width` × `height` box: time across from `start` to `end`,
 * values up from 0 to `max`. A gap of more than 1.5 steps in the data starts a new segment (no line is
 * drawn across a time when nothing was measured).
 */
export function linePath(points: UsagePoint[], box: { start: number; end: number; max: number; width: number; height: number; stepMs: number }): string {
  const span = Math.max(1, box.end - box.start);
  const max = box.max > 0 ? box.max : 1;
  let d = '';
  let prev: number | undefined;
  for (const p of points) {
    const t = Date.parse(p.at);
    const x = ((t - box.start) / span) * box.width;
    const y = box.height - (Math.max(0, p.value) / max) * box.height;
    d += `${prev === undefined || t - prev > box.stepMs * 1.5 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)} `;
    prev = t;
  }
  return d.trim();
}

export function peak(...series: UsageSeries[]): number {
  return Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.value)));
}

export function latest(s: UsageSeries): number | undefined {
  return s.points.at(-1)?.value;
}
