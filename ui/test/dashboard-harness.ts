import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { startTestPlatform, type TestPlatform } from '../../api/test/support/test-platform.ts';
import { createUiHandler } from '../server.ts';

const UI_DIR = fileURLToPath(new URL('..', import.meta.url));
const HANDLER = join(UI_DIR, 'build', 'handler.js');

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** Builds ui/ (`npm run build:ui`) when there is no build or the sources are newer than it. */
export function ensureUiBuilt(): void {
  const sourcesAt = Math.max(newestMtime(join(UI_DIR, 'src')), newestMtime(join(UI_DIR, 'vite.config.ts')));
  if (existsSync(HANDLER) && statSync(HANDLER).mtimeMs >= sourcesAt) return;
  const vite = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url));
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: UI_DIR, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ui build failed:\n${r.stdout}\n${r.stderr}`);
}

export type Dashboard = {
  /** Where the browser goes: the dashboard and the API on one port, as `npm start` serves them. */
  baseUrl: string;
  platform: TestPlatform;
  /** Stops the whole server (API and dashboard): connections refused until `resume()`. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
};

/** The real API over a fresh database, with the built dashboard mounted in front of it on one port. */
export async function startDashboard(env: Record<string, string> = {}): Promise<Dashboard> {
  ensureUiBuilt();
  const platform = await startTestPlatform(env);
  // The dashboard's server presents sessions and browsers' addresses with the API's secret, as in main.ts.
  const ui = await createUiHandler({ dashboardSecret: platform.platform.config.dashboardSecret });
  if (!ui) throw new Error('ui/build/handler.js is missing');
  const app = express();
  app.set('trust proxy', platform.platform.config.trustProxyHops); // as in the platform's own app
  app.use(ui);
  app.use(platform.platform.app);
  const server: Server = createServer(app);
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    const closed = new Promise((r) => server.close(() => r(undefined)));
    server.closeAllConnections();
    await closed;
  };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    platform,
    stop,
    resume: () => listen(port),
    close: async () => {
      if (server.listening) await stop();
      await platform.close();
    },
  };
}

/**
 * What the GitOps pipeline does when a store comes up, done to the row: Ready, with the admin password
 * sealed the way the platform keeps it. The dashboard shows it through the same API calls.
 */
export async function markStoreReady(platform: TestPlatform, storeId: string, password: string): Promise<void> {
  const { knex, secrets } = platform.platform;
  await knex('stores').where({ id: storeId }).update({ status: 'Ready', phase: 'ready', message: 'WordPress and MySQL are running.', admin_username: 'admin', admin_password_enc: secrets.seal(password, storeId), ready_at: new Date(), updated_at: new Date() });
  await knex('store_events').insert({ store_id: storeId, status: 'Ready', phase: 'ready', reason: 'Healthy', message: 'WordPress and MySQL are running.' });
}

/** What the status job does when provisioning fails, done to the row: Error, with the reason. */
export async function markStoreError(platform: TestPlatform, storeId: string, message: string): Promise<void> {
  const { knex } = platform.platform;
  await knex('stores').where({ id: storeId }).update({ status: 'Error', phase: 'failed', message, updated_at: new Date() });
  await knex('store_events').insert({ store_id: storeId, status: 'Error', phase: 'failed', reason: 'ProvisioningFailed', message });
}
