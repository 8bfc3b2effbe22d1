import { z } from 'zod';

/** The ranges a usage chart may cover, with the step of its points (about 60–170 points each). */
export const USAGE_RANGES = {
  '1h': { seconds: 3600, stepSeconds: 60 },
  '24h': { seconds: 86_400, stepSeconds: 600 },
  '7d': { seconds: 604_800, stepSeconds: 3600 },
} as const;
export type UsageRange = keyof typeof USAGE_RANGES;

export const UsageQuery = z.strictObject({
  /** How far back the series go. */
  range: z
    .enum(Object.keys(USAGE_RANGES) as [UsageRange, ...UsageRange[]])
    .default('1h')
    .describe('How far back: 1h (1-minute steps), 24h (10-minute steps) or 7d (1-hour steps)'),
});

const Point = z.object({
  /** When (ISO 8601). */
  at: z.iso.datetime(),
  value: z.number(),
});

const Series = z.object({
  unit: z.enum(['cores', 'bytes', 'restarts']),
  /** Points oldest first; empty when Prometheus has no data for the store (yet). */
  points: z.array(Point),
});

/** The metrics of a store, each summed over the store's namespace. */
export const UsageMetrics = z.object({
  /** CPU used, in cores (rate of container_cpu_usage_seconds_total). */
  cpu: Series,
  /** Memory working set, in bytes (container_memory_working_set_bytes). */
  memory: Series,
  /** Bytes used on the store's volumes (kubelet_volume_stats_used_bytes). */
  storageUsed: Series,
  /** Bytes its volume claims request (kube_persistentvolumeclaim_resource_requests_storage_bytes). */
  storageRequested: Series,
  /** Container restarts of its pods, cumulative (kube_pod_container_status_restarts_total). */
  restarts: Series,
});
export type UsageMetrics = z.infer<typeof UsageMetrics>;

export const StoreUsage = z.discriminatedUnion('monitoring', [
  z.object({
    monitoring: z.literal('ok').describe('Series read from Prometheus'),
    range: z.enum(Object.keys(USAGE_RANGES) as [UsageRange, ...UsageRange[]]),
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    stepSeconds: z.number().int(),
    metrics: UsageMetrics,
  }),
  z.object({
    monitoring: z.literal('not_configured').describe('This platform has no Prometheus (PROMETHEUS_URL is unset): there is no usage to show'),
    message: z.string(),
  }),
]);
export type StoreUsage = z.infer<typeof StoreUsage>;
