import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { STORE_STATUSES } from '../features/stores/store-lifecycle.ts';

/** Prometheus metrics of one process, on its own registry (no global state). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(countStoresByStatus: () => Promise<Record<string, number>>) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    new Gauge({
      name: 'store_platform_stores',
      help: 'Stores by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await countStoresByStatus().catch(() => undefined);
        if (!counts) return; // database down: leave the last values rather than report zeros
        for (const s of STORE_STATUSES) this.set({ status: s }, counts[s] ?? 0);
      },
    });
  }

  /** Times every request; the route label is the matched template (`/api/v1/stores/:id`), never the raw path. */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = typeof res.locals.routeTemplate === 'string' ? res.locals.routeTemplate : 'unmatched';
        end({ method: req.method, route, status_code: String(res.statusCode) });
      });
      next();
    };
  }
}
