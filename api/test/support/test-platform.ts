import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/create-logger.ts';
import { createKnex } from '../../src/db/create-knex.ts';
import { migrateLatest } from '../../src/db/migrate.ts';
import { createPlatform, type Platform } from '../../src/app.ts';
import { createTestDatabase } from './test-database.ts';
import { LogCapture } from './log-capture.ts';
import { requestJson, type ApiResponse, type RequestOptions } from './request-json.ts';

export type TestPlatform = {
  baseUrl: string;
  databaseUrl: string;
  platform: Platform;
  logs: LogCapture;
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  /** Registers a user and signs in; returns the bearer token and the user id. */
  signUp(email?: string, password?: string): Promise<{ token: string; userId: string; email: string; password: string }>;
  close(): Promise<void>;
};

let counter = 0;

/** The real app over a fresh PostgreSQL database, listening on a random loopback port, logs captured. */
export async function startTestPlatform(env: Record<string, string> = {}, opts: { databaseUrl?: string } = {}): Promise<TestPlatform> {
  const db = opts.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = opts.databaseUrl ?? db!.url;
  // Suites sign up many users from 127.0.0.1; the sign-up limit has its own test.
  const config = loadConfig({ DATABASE_URL: databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'debug', SIGNUPS_PER_ADDRESS_PER_HOUR: '100000', ...env });
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const knex = createKnex(databaseUrl, config.databasePoolMax);
  await migrateLatest(knex);
  const platform = createPlatform(config, logger, { knex });
  const server: Server = await new Promise((resolve) => {
    const s = platform.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request: TestPlatform['request'] = (method, path, o) => requestJson(baseUrl, method, path, o);

  const signUp: TestPlatform['signUp'] = async (email, password = 'correct horse battery staple') => {
    const e = email ?? `user${++counter}-${process.pid}@example.com`;
    const reg = await request('POST', '/api/v1/auth/register', { body: { email: e, password } });
    if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
    const login = await request('POST', '/api/v1/auth/login', { body: { email: e, password } });
    if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
    return { token: login.body.accessToken, userId: reg.body.id, email: e, password };
  };

  return {
    baseUrl,
    databaseUrl,
    platform,
    logs,
    request,
    signUp,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
      await knex.destroy();
      await db?.drop();
    },
  };
}
