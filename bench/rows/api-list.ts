// Row 1: GET /api/v1/stores under 50 keep-alive connections with many stores in the database, against a
// bare Express 5 handler answering the same JSON. Load comes from bench/load-generator.ts (own process).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { startTestPlatform } from '../../api/test/support/test-platform.ts';
import { finishRow, num, type BenchOptions, type Round, type RowResult } from '../lib/row.ts';
import { insertStores, insertUsers } from '../lib/users.ts';
import { runLoad } from '../lib/load.ts';
import { median } from '../lib/stats.ts';

export async function apiListRow(o: BenchOptions): Promise<RowResult> {
  const stores = num(o, 'stores', 10_000, 200);
  const perUser = num(o, 'stores-per-user', 10, 10);
  const connections = num(o, 'connections', 50, 10);
  const durationMs = num(o, 'duration', 5, 1) * 1000;
  // warn: at info every request is logged (into the test platform's in-memory capture here).
  const t = await startTestPlatform({ LOG_LEVEL: 'warn' });
  let bare: Server | undefined;
  try {
    const config = t.platform.config;
    const knex = t.platform.knex;
    const owners = await insertUsers(knex, config, Math.ceil(stores / perUser), 'list');
    await insertStores(knex, owners, stores, 'list');
    await knex.raw('ANALYZE');
    const callers = owners.slice(0, connections);
    // The bare handler answers each caller the JSON our API gives that caller (serialised per request, as ours is).
    const answers = new Map<string, unknown>();
    for (const u of callers) {
      const r = await t.request('GET', '/api/v1/stores', { token: u.token });
      if (r.status !== 200) throw new Error(`GET /api/v1/stores: ${r.status} ${JSON.stringify(r.body)}`);
      answers.set(`Bearer ${u.token}`, r.body);
    }
    const app = express();
    app.get('/api/v1/stores', (req, res) => {
      const body = answers.get(req.get('authorization') ?? '');
      if (body === undefined) res.status(401).json({ status: 401 });
      else res.json(body);
    });
    bare = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    const requests = callers.map((u) => ({ method: 'GET', path: '/api/v1/stores', headers: { authorization: `Bearer ${u.token}` } }));
    const rounds: Round[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const b = await runLoad({ url: bareUrl, connections, requests, durationMs, warmupMs: Math.min(1000, durationMs / 2) });
      const ours = await runLoad({ url: t.baseUrl, connections, requests, durationMs, warmupMs: Math.min(1000, durationMs / 2) });
      o.log(
        `  row 1 round ${r + 1}: bare ${b.perSecond.toFixed(0)}/s p99 ${b.p99Ms.toFixed(1)} ms; ours ${ours.perSecond.toFixed(0)}/s p99 ${ours.p99Ms.toFixed(1)} ms`,
      );
      rounds.push({
        baseline: b.perSecond,
        figure: ours.perSecond,
        extra: { bareP99Ms: b.p99Ms, oursP99Ms: ours.p99Ms, bareErrors: b.errors, oursErrors: ours.errors, oursStatuses: ours.statuses, samples: ours.samples },
      });
    }
    const items = (answers.values().next().value as { items?: unknown[] } | undefined)?.items?.length ?? 0;
    return finishRow({
      row: 1,
      what: `GET /api/v1/stores, ${connections} connections, ${stores} stores in the DB`,
      baselineWhat: 'bare Express 5 handler returning the same JSON',
      unit: 'req/s',
      better: 'higher',
      sizes: { stores, storesPerUser: perUser, itemsPerAnswer: items, connections, durationSeconds: durationMs / 1000 },
      rounds,
      goal: '≥ 0.35 (req/s); p99 ≤ 3× bare',
      judge: (ratio, rs) => {
        const p99 = median(rs.map((x) => x.extra!.oursP99Ms as number));
        const bareP99 = median(rs.map((x) => x.extra!.bareP99Ms as number));
        const errors = rs.reduce((s, x) => s + (x.extra!.oursErrors as number), 0);
        const notes = [`p99 ${p99.toFixed(1)} ms vs bare ${bareP99.toFixed(1)} ms (${(p99 / bareP99).toFixed(2)}×); errors ${errors}`];
        return { met: ratio.median >= 0.35 && p99 <= 3 * bareP99 && errors === 0, notes };
      },
    });
  } finally {
    if (bare) {
      bare.closeAllConnections();
      await new Promise((r) => bare!.close(() => r(undefined)));
    }
    await t.close();
  }
}
