import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivatePostgres } from './private-postgres.ts';
import { createTestDatabase } from '../../test/support/test-database.ts';
import { spawnApi } from '../../test/support/spawn-api.ts';
import { requestJson } from '../../test/support/request-json.ts';

const call = (method: string, path: string, token?: string, body?: unknown) => requestJson(api.baseUrl, method, path, { token, body });

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

let pgServer: PrivatePostgres;
let dir: string;
let api: Awaited<ReturnType<typeof spawnApi>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sp-pg-'));
  chmodSync(dir, 0o755); // the postgres user (initdb as root) must reach its data folder
  pgServer = new PrivatePostgres(join(dir, 'data'), await freePort());
  pgServer.start();
  const db = await createTestDatabase(pgServer.url);
  api = await spawnApi({ DATABASE_URL: db.url, ROLES: 'api', CREATE_RATE_LIMIT_PER_MINUTE: '100' });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  try {
    pgServer?.stop('immediate');
  } catch {
    /* already stopped */
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('PostgreSQL restarted under a running API (requirement 24.5)', () => {
  it('answers 503 problems during the outage and recovers by itself, with nothing lost', async () => {
    await call('POST', '/api/v1/auth/register', undefined, { email: 'outage@example.com', password: 'a long enough password' });
    const token = (await call('POST', '/api/v1/auth/login', undefined, { email: 'outage@example.com', password: 'a long enough password' })).body.accessToken;
    const before = await call('POST', '/api/v1/stores', token, { name: 'survivor' });
    expect(before.status).toBe(202);

    pgServer.stop('fast');
    for (const [m, p, body] of [
      ['GET', '/api/v1/stores'],
      ['POST', '/api/v1/stores', { name: 'during' }],
      ['GET', '/readyz'],
    ] as const) {
      const res = await call(m, p, token, body);
      expect(res.status, `${m} ${p}`).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.code).toBe('service_unavailable');
    }
    expect((await call('GET', '/healthz')).status).toBe(200); // the process itself is alive

    pgServer.start();
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await call('GET', '/readyz')).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready).toBe(200);
    const list = await call('GET', '/api/v1/stores', token);
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: any) => s.name)).toEqual(['survivor']);
    const after = await call('POST', '/api/v1/stores', token, { name: 'after' });
    expect(after.status).toBe(202);
    expect(api.proc.exitCode).toBeNull();
  });
});
