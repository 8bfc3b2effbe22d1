import { PrometheusUnavailableError, type PrometheusClient, type RangeSeries, type RangeWindow } from '../../src/features/usage/prometheus-client.ts';

/**
 * In-memory PrometheusClient: answers a query with the series given for the metric it names, records
 * every call, and can be made unreachable.
 */
export class FakePrometheusClient implements PrometheusClient {
  readonly calls: Array<{ query: string; window: RangeWindow }> = [];
  readonly #answers = new Map<string, RangeSeries[]>();
  #down: string | undefined;

  /** Queries naming `metric` get `series`. */
  answer(metric: string, series: RangeSeries[]): this {
    this.#answers.set(metric, series);
    return this;
  }

  /** Every query fails as an unreachable Prometheus does. */
  goDown(reason = 'connect ECONNREFUSED'): void {
    this.#down = reason;
  }

  async queryRange(query: string, window: RangeWindow): Promise<RangeSeries[]> {
    this.calls.push({ query, window });
    if (this.#down) throw new PrometheusUnavailableError(this.#down);
    for (const [metric, series] of this.#answers) if (new RegExp(`\\b${metric}\\{`).test(query)) return series;
    return [];
  }
}
