import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../errors/app-error.ts';
import { FakePrometheusClient } from '../../../test/support/fake-prometheus-client.ts';
import { UsageService, usageQueries } from './usage-service.ts';

const STORE = '0b9f1d2e-3c4a-4b5c-8d6e-7f8091a2b3c4';
const NOW = new Date('2026-12-01T12:00:00.000Z');
const end = NOW.getTime() / 1000;

describe(UsageService.name, () => {
  it('says monitoring is not configured without a Prometheus, and queries nothing', async () => {
    expect(await new UsageService({}).forStore(STORE, '1h')).toEqual({ monitoring: 'not_configured', message: expect.stringContaining('not set up') });
  });

  it('asks for each metric of the store’s namespace only, over the range with its step', async () => {
    const prometheus = new FakePrometheusClient();
    const service = new UsageService({ prometheus, now: () => NOW });
    for (const [range, seconds, step] of [
      ['1h', 3600, 60],
      ['24h', 86_400, 600],
      ['7d', 604_800, 3600],
    ] as const) {
      prometheus.calls.length = 0;
      const usage = await service.forStore(STORE, range);
      expect(usage).toMatchObject({
        monitoring: 'ok',
        range,
        stepSeconds: step,
        start: new Date((end - seconds) * 1000).toISOString(),
        end: NOW.toISOString(),
      });
      expect(prometheus.calls.map((c) => c.window)).toEqual(Array(5).fill({ start: end - seconds, end, stepSeconds: step }));
      for (const c of prometheus.calls) expect(c.query).toContain(`namespace="store-${STORE}"`);
    }
    const queries = prometheus.calls.map((c) => c.query);
    expect(queries).toEqual([
      `sum(rate(container_cpu_usage_seconds_total{namespace="store-${STORE}",container!=""}[3600s]))`,
      `sum(container_memory_working_set_bytes{namespace="store-${STORE}",container!=""})`,
      `sum(kubelet_volume_stats_used_bytes{namespace="store-${STORE}"})`,
      `sum(kube_persistentvolumeclaim_resource_requests_storage_bytes{namespace="store-${STORE}"})`,
      `sum(kube_pod_container_status_restarts_total{namespace="store-${STORE}"})`,
    ]);
  });

  it('keeps the rate window at least 5 minutes wide when the step is shorter', () => {
    expect(usageQueries(STORE, 60).cpu).toContain('[300s]');
    expect(usageQueries(STORE, 600).cpu).toContain('[600s]');
  });

  it('turns each answer into points with ISO times and units; a metric with no data is an empty series', async () => {
    const prometheus = new FakePrometheusClient()
      .answer('container_cpu_usage_seconds_total', [
        {
          labels: {},
          points: [
            [end - 60, 0.25],
            [end, 0.5],
          ],
        },
      ])
      .answer('container_memory_working_set_bytes', [{ labels: {}, points: [[end, 524_288_000]] }])
      .answer('kube_pod_container_status_restarts_total', [
        {
          labels: {},
          points: [
            [end - 60, 1],
            [end, Number.NaN],
          ],
        },
      ]);
    const usage = await new UsageService({ prometheus, now: () => NOW }).forStore(STORE, '1h');
    if (usage.monitoring !== 'ok') throw new Error('expected series');
    expect(usage.metrics).toEqual({
      cpu: {
        unit: 'cores',
        points: [
          { at: '2026-12-01T11:59:00.000Z', value: 0.25 },
          { at: '2026-12-01T12:00:00.000Z', value: 0.5 },
        ],
      },
      memory: { unit: 'bytes', points: [{ at: '2026-12-01T12:00:00.000Z', value: 524_288_000 }] },
      storageUsed: { unit: 'bytes', points: [] },
      storageRequested: { unit: 'bytes', points: [] },
      // NaN (e.g. a rate over a reset) is not a point to draw.
      restarts: { unit: 'restarts', points: [{ at: '2026-12-01T11:59:00.000Z', value: 1 }] },
    });
  });

  it('answers 503 (with Retry-After) when Prometheus cannot be reached', async () => {
    const prometheus = new FakePrometheusClient();
    prometheus.goDown();
    const err = await new UsageService({ prometheus }).forStore(STORE, '24h').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err).toMatchObject({ status: 503, headers: { 'Retry-After': '30' } });
  });

  it('never interpolates anything but a UUID into a query', () => {
    expect(() => usageQueries('x"} or vector(1) or {a="', 60)).toThrow(/not a store id/);
    expect(() => usageQueries(`${STORE}"}`, 60)).toThrow(/not a store id/);
  });
});
