import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPipelineHarness, type PipelineHarness } from '../../api/test/support/pipeline-harness.ts';
import { createUiHandler } from '../server.ts';
import { ensureUiBuilt } from './dashboard-harness.ts';

// The dashboard over the real loop (the same pieces as `npm start`): API + worker, a GitOps repo over git
// http-backend, and sim/ rendering the chart with the real helm. Nothing is done to database rows here:
// the store becomes Ready, and goes away, because the pipeline makes it so.
const POLL_MS = 300;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let h: PipelineHarness;
let server: Server;
let baseUrl: string;
let browser: Browser;
let page: Page;
const row = (name: string) => page.locator(`[data-testid="store-row"][data-store-name="${name}"]`);

beforeAll(async () => {
  ensureUiBuilt();
  process.env.DASHBOARD_POLL_INTERVAL_MS = String(POLL_MS);
  process.env.DASHBOARD_SLOW_POLL_INTERVAL_MS = String(POLL_MS * 2);
  process.env.DASHBOARD_POLL_MAX_INTERVAL_MS = String(POLL_MS * 4);
  // Pods take a couple of seconds, so a person (and this test) sees the Pending steps.
  h = await startPipelineHarness({ CLUSTER_SIMULATED: 'true' }, { timings: { podStartMs: 1000, podReadyMs: 1500 } });
  const ui = await createUiHandler({ dashboardSecret: h.config.dashboardSecret });
  const app = express();
  app.use(ui!);
  app.use(h.platform.app);
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(() => r(undefined)) : r(undefined)));
  await h?.close();
});

describe('Dashboard over the real pipeline', () => {
  it('signs up, creates a store that goes Pending → Ready on its own, shows and copies its real credentials, shows it break and heal, deletes it until it is gone', async () => {
    await page.goto(`${baseUrl}/signup`);
    await page.fill('#email', 'live@example.com');
    await page.fill('#password', 'a long enough password');
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${baseUrl}/stores`);
    // The footer says plainly that the cluster is simulated.
    expect(await page.getByTestId('simulated-cluster').textContent()).toContain('Simulated cluster');

    await page.fill('#store-name', 'live-shop');
    await page.click('button:has-text("Create store")');
    await row('live-shop').locator('[data-status="Pending"]').waitFor();
    expect(await row('live-shop').getByTestId('spinner').isVisible()).toBe(true);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // Ready appears without a reload, once Argo CD (sim) has synced and the pods are ready.
    await row('live-shop').getByTestId('store-link').waitFor({ timeout: 90_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    const id = (await h.platform.knex('stores').where({ name: 'live-shop' }).first('id')).id as string;
    const login = await h.request('POST', '/api/v1/auth/login', { body: { email: 'live@example.com', password: 'a long enough password' } });
    const api = await h.request('GET', `/api/v1/stores/${id}`, { token: login.body.accessToken });
    expect(api.body.status).toBe('Ready');

    await row('live-shop').locator('a.name').click();
    await page.waitForURL(`${baseUrl}/stores/${id}`);
    await page.click('button:has-text("Show credentials")');
    await page.getByTestId('admin-password').waitFor();
    expect(await page.getByTestId('admin-password').textContent()).toBe(api.body.credentials.password);
    await page.click('button:has-text("Copy password")');
    await page.locator('text=Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(api.body.credentials.password);

    // The running store breaks (WordPress crash-loops): the open page turns Error with the pod reason,
    // never "Setting up", and keeps the URLs and the credentials; healed, it is Ready again by itself.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const fault = h.sim.faults.add({ type: 'crashLoop', namespace: `store-${id}`, container: 'wordpress' });
    await page.locator('main .title [data-status="Error"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('degraded').textContent()).toMatch(/Not healthy:.*wordpress-[\w-]+: CrashLoopBackOff/);
    expect(await page.getByTestId('phase').count()).toBe(0);
    expect(await page.getByTestId('store-url').getAttribute('href')).toBe(api.body.url);
    expect(await page.getByTestId('admin-password').textContent()).toBe(api.body.credentials.password);
    h.sim.faults.remove(fault.id);
    await page.locator('main .title [data-status="Ready"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('degraded').count()).toBe(0);
    expect(await page.getByTestId('store-url').getAttribute('href')).toBe(api.body.url);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    await page.click('button:has-text("Delete store")');
    await page.locator('dialog[open] button:has-text("Delete live-shop")').click();
    await page.waitForURL(`${baseUrl}/stores`);
    // Gone once Argo CD (sim) has pruned the Application and the namespace is deleted.
    await row('live-shop').waitFor({ state: 'detached', timeout: 90_000 });
    expect(await h.platform.knex('stores').where({ id }).first()).toBeUndefined();
    expect(h.sim.store.get('v1', 'Namespace', undefined, `store-${id}`)).toBeUndefined();
  }, 240_000);
});
