/** One series of a range query: its labels and its samples, oldest first (unix seconds, value). */
export type RangeSeries = { labels: Record<string, string>; points: Array<[number, number]> };

/** The time grid of a range query: `start` to `end` (unix seconds), one point every `stepSeconds`. */
export type RangeWindow = { start: number; end: number; stepSeconds: number };

/** Prometheus could not answer: unreachable, timed out, an HTTP error or a query error. */
export class PrometheusUnavailableError extends Error {
  override name = 'PrometheusUnavailableError';
}

/** What the usage feature needs of Prometheus: one range query. Fakes implement the same interface. */
export interface PrometheusClient {
  queryRange(query: string, window: RangeWindow): Promise<RangeSeries[]>;
}

type MatrixResponse = {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
};

/**
 * Prometheus' HTTP API (`POST /api/v1/query_range`, form-encoded as its docs allow). Every failure —
 * refused connection, timeout, non-2xx, `status: "error"`, an answer that is not a matrix — becomes a
 * PrometheusUnavailableError; the query text is built by the caller, never taken from a client.
 */
export class HttpPrometheusClient implements PrometheusClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, timeoutMs = 5000) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
  }

  async queryRange(query: string, { start, end, stepSeconds }: RangeWindow): Promise<RangeSeries[]> {
    const body = new URLSearchParams({ query, start: String(start), end: String(end), step: String(stepSeconds) });
    let res: Response;
    let json: MatrixResponse;
    try {
      res = await fetch(`${this.#baseUrl}/api/v1/query_range`, { method: 'POST', body, signal: AbortSignal.timeout(this.#timeoutMs) });
      json = (await res.json()) as MatrixResponse;
    } catch (err) {
      throw new PrometheusUnavailableError(`Prometheus did not answer: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok || json.status !== 'success')
      throw new PrometheusUnavailableError(`Prometheus answered ${res.status}: ${json.errorType ?? ''} ${json.error ?? ''}`.trim());
    if (json.data?.resultType !== 'matrix' || !Array.isArray(json.data.result))
      throw new PrometheusUnavailableError(`Prometheus answered a ${json.data?.resultType ?? 'missing'} result to a range query.`);
    return json.data.result.map((s) => ({ labels: s.metric, points: s.values.map(([t, v]) => [Number(t), Number(v)] as [number, number]) }));
  }
}
