import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { startTestPlatform, type TestPlatform } from '../../test/support/test-platform.ts';
import { createWorker } from './create-worker.ts';
import { JOBS } from './job-queue.ts';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ CREATE_RATE_LIMIT_PER_MINUTE: '1000', JOB_POLL_INTERVAL_MS: '500' });
});
afterAll(async () => t?.close());

describe('durable intent: store row and provision job, one transaction', () => {
  it('two agenda workers on PostgreSQL run each queued provision job exactly once', async () => {
    const u = await t.signUp();
    const ran: string[] = [];
    const job = {
      name: JOBS.provisionStore,
      run: async (data: Record<string, unknown>) => {
        ran.push(String(data.storeId));
      },
    };
    const config = t.platform.config;
    const w1 = createWorker(config, t.platform.logger, [job]);
    const w2 = createWorker(config, t.platform.logger, [job]);
    await Promise.all([w1.start(), w2.start()]);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: `worked-${i}` } })).body.id);
      // 10 stores > quota 5: only the 5 accepted ones have jobs.
      const accepted = ids.filter(Boolean);
      expect(accepted).toHaveLength(5);
      for (let i = 0; i < 100 && ran.length < accepted.length; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1000)); // time for a duplicate to show up, if any
      expect([...ran].sort()).toEqual([...accepted].sort());
      const finished = await t.platform.knex('agenda_jobs').where('name', JOBS.provisionStore).whereNotNull('last_finished_at');
      expect(finished).toHaveLength(5);
    } finally {
      await Promise.all([w1.stop(), w2.stop()]);
    }
  });

  it('a job running three times longer than its lock is not started again by another worker (the lock is renewed while it runs)', async () => {
    const u = await t.signUp();
    const starts: string[] = [];
    let running = 0;
    let overlapped = false;
    const job = {
      name: JOBS.provisionStore,
      run: async (data: Record<string, unknown>) => {
        starts.push(String(data.storeId));
        overlapped ||= running > 0;
        running++;
        await new Promise((r) => setTimeout(r, 3000));
        running--;
      },
    };
    const config = loadConfig({ DATABASE_URL: t.databaseUrl, NODE_ENV: 'test', JOB_LOCK_LIFETIME_MS: '1000', JOB_POLL_INTERVAL_MS: '200' });
    const workers = [createWorker(config, t.platform.logger, [job]), createWorker(config, t.platform.logger, [job])];
    await Promise.all(workers.map((w) => w.start()));
    try {
      const id = (await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'long-runner' } })).body.id as string;
      for (let i = 0; i < 100 && starts.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 60; i++) {
        const row = await t.platform.knex('agenda_jobs').where('name', JOBS.provisionStore).whereRaw("data->>'storeId' = ?", [id]).first();
        if (row?.last_finished_at) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1500)); // a second start would show up here
      expect(starts).toEqual([id]);
      expect(overlapped).toBe(false);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('a create that fails after the insert (quota) leaves neither a store nor a job', async () => {
    const u = await t.signUp();
    await t.platform.knex('users').where('id', u.userId).update({ store_quota: 0 });
    const before = await t.platform.knex('agenda_jobs').count({ n: '*' }).first();
    const res = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'never' } });
    expect(res.status).toBe(429);
    const after = await t.platform.knex('agenda_jobs').count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
  });
});

describe('audit trail for operators', () => {
  it('GET /audit filters by user, store, action and since; non-operators get 403 (audited)', async () => {
    const op = await t.signUp();
    await t.platform.knex('users').where('id', op.userId).update({ role: 'operator' });
    const u = await t.signUp();
    const s = await t.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'watched' } });
    const byStore = await t.request('GET', `/api/v1/audit?store=${s.body.id}`, { token: op.token });
    expect(byStore.status).toBe(200);
    expect(byStore.body.items).toEqual([
      expect.objectContaining({
        action: 'store.create',
        userId: u.userId,
        storeId: s.body.id,
        outcome: 'success',
        sourceIp: expect.any(String),
        requestId: expect.any(String),
      }),
    ]);
    const byUser = await t.request('GET', `/api/v1/audit?user=${u.userId}&action=user.register`, { token: op.token });
    expect(byUser.body.items).toHaveLength(1);
    const future = await t.request('GET', `/api/v1/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { token: op.token });
    expect(future.body.items).toEqual([]);
    expect((await t.request('GET', '/api/v1/audit?since=yesterday', { token: op.token })).status).toBe(422);
    const denied = await t.request('GET', '/api/v1/audit', { token: u.token });
    expect(denied.status).toBe(403);
    const trail = await t.request('GET', `/api/v1/audit?user=${u.userId}&action=authz.denied`, { token: op.token });
    expect(trail.body.items).toHaveLength(1);
  });
});
