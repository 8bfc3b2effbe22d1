import { storeResourceName } from '../../../../renderer/src/render-store.ts';
import { ServiceUnavailableError } from '../../errors/app-error.ts';
import { PrometheusUnavailableError, type PrometheusClient, type RangeSeries, type RangeWindow } from './prometheus-client.ts';
import { USAGE_RANGES, type StoreUsage, type UsageMetrics, type UsageRange } from './usage.schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A rate needs a few scrapes in its window: never narrower than this (4 × a 1-minute scrape interval plus slack). */
const MIN_RATE_WINDOW_SECONDS = 300;

type MetricName = keyof UsageMetrics;
const UNITS: Record<MetricName, 'cores' | 'bytes' | 'restarts'> = {
  cpu: 'cores',
  memory: 'bytes',
  storageUsed: 'bytes',
  storageRequested: 'bytes',
  restarts: 'restarts',
};

/**
 * The PromQL of each metric for one store namespace, with the series names and labels kube-state-metrics
 * and the kubelet (cAdvisor, volume stats) export. `container!=""` drops cAdvisor's pod-level cgroup
 * series, which would count every container twice. Built here only: no client text reaches a query.
 */
export function usageQueries(storeId: string, stepSeconds: number): Record<MetricName, string> {
  // The id is interpolated into a label matcher: anything but a UUID could break out of the quotes.
  if (!UUID.test(storeId)) throw new Error(`not a store id: ${JSON.stringify(storeId)}`);
  const ns = `namespace="${storeResourceName(storeId.toLowerCase())}"`;
  const rateWindow = `${Math.max(stepSeconds, MIN_RATE_WINDOW_SECONDS)}s`;
  return {
    cpu: `sum(rate(container_cpu_usage_seconds_total{${ns},container!=""}[${rateWindow}]))`,
    memory: `sum(container_memory_working_set_bytes{${ns},container!=""})`,
    storageUsed: `sum(kubelet_volume_stats_used_bytes{${ns}})`,
    storageRequested: `sum(kube_persistentvolumeclaim_resource_requests_storage_bytes{${ns}})`,
    restarts: `sum(kube_pod_container_status_restarts_total{${ns}})`,
  };
}

/** A store's CPU, memory, storage and restarts over a range, read from Prometheus (when there is one). */
export class UsageService {
  readonly #prometheus: PrometheusClient | undefined;
  readonly #now: () => Date;

  /** `prometheus` undefined: monitoring is not set up on this platform (PROMETHEUS_URL unset). */
  constructor(deps: { prometheus?: PrometheusClient; now?: () => Date }) {
    this.#prometheus = deps.prometheus;
    this.#now = deps.now ?? (() => new Date());
  }

  /** The caller has already been allowed to see the store (owner or operator). */
  async forStore(storeId: string, range: UsageRange): Promise<StoreUsage> {
    const prometheus = this.#prometheus;
    if (!prometheus) return { monitoring: 'not_configured', message: 'Monitoring is not set up on this platform: there is no Prometheus to read usage from.' };
    const { seconds, stepSeconds } = USAGE_RANGES[range];
    const end = Math.floor(this.#now().getTime() / 1000);
    const window: RangeWindow = { start: end - seconds, end, stepSeconds };
    const queries = usageQueries(storeId, stepSeconds);
    let answers: RangeSeries[][];
    try {
      answers = await Promise.all(Object.values(queries).map((q) => prometheus.queryRange(q, window)));
    } catch (err) {
      if (err instanceof PrometheusUnavailableError)
        throw new ServiceUnavailableError('Prometheus cannot be reached; the store’s usage is unknown right now.', 30);
      throw err;
    }
    const names = Object.keys(queries) as MetricName[];
    const metrics = Object.fromEntries(
      names.map((name, i) => {
        // Each query is a sum(): one series, or none when nothing is exported for the store (yet).
        const points = (answers[i]![0]?.points ?? [])
          .filter(([, v]) => Number.isFinite(v))
          .map(([t, value]) => ({ at: new Date(t * 1000).toISOString(), value }));
        return [name, { unit: UNITS[name], points }];
      }),
    ) as UsageMetrics;
    return {
      monitoring: 'ok',
      range,
      start: new Date(window.start * 1000).toISOString(),
      end: new Date(window.end * 1000).toISOString(),
      stepSeconds,
      metrics,
    };
  }
}
