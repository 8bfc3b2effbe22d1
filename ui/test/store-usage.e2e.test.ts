import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { markStoreReady, startDashboard, type Dashboard } from './dashboard-harness.ts';
import { freePort, startRealPrometheus, storeUsageOpenMetrics, type RealPrometheus } from '../../api/test/support/real-prometheus.ts';

// The store page's usage charts, read by the real API from a real Prometheus (promtool-backfilled data).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

let dash: Dashboard;
let bare: Dashboard;
let prometheus: RealPrometheus | undefined;
let prometheusPort: number;
let browser: Browser;
let page: Page;
let storeId: string;
let bareStoreId: string;
const pageErrors: string[] = [];

async function signIn(d: Dashboard, email: string, password: string) {
  await page.context().clearCookies();
  await page.goto(`${d.baseUrl}/login`, { waitUntil: 'networkidle' });
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(`${d.baseUrl}/stores`).catch(async (e) => {
    throw new Error(`${e}\n${page.url()}\n${await page.locator('main').textContent()}`);
  });
}

async function seriousAxeViolations(): Promise<string[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A Ready store of a new user, created through the API; returns its id and the user. */
async function readyStore(d: Dashboard, name: string) {
  const user = await d.platform.signUp();
  const id = (await d.platform.request('POST', '/api/v1/stores', { token: user.token, body: { name } })).body.id as string;
  await markStoreReady(d.platform, id, 'Xk3-generated-Admin-pw');
  return { id, user };
}

let owner: { email: string; password: string };
let bareOwner: { email: string; password: string };

beforeAll(async () => {
  // The API knows where Prometheus will listen before it runs: first it is down, then up.
  prometheusPort = await freePort();
  dash = await startDashboard({ PROMETHEUS_URL: `http://127.0.0.1:${prometheusPort}` });
  ({ id: storeId, user: owner } = await readyStore(dash, 'charted'));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
});

afterAll(async () => {
  await browser?.close();
  await dash?.close().catch(() => undefined);
  await bare?.close();
  await prometheus?.close();
});

describe('Store usage charts', () => {
  it('says usage cannot be read while Prometheus is down, and the rest of the page still works', async () => {
    await signIn(dash, owner.email, owner.password);
    await page.goto(`${dash.baseUrl}/stores/${storeId}`);
    await page.getByTestId('usage-unavailable').waitFor();
    expect(await page.getByTestId('usage-unavailable').textContent()).toContain('cannot be read from monitoring');
    expect(await page.getByTestId('store-url').textContent()).toContain('charted');
  });

  it('draws CPU, memory, storage and restarts from Prometheus, with the latest values', async () => {
    const to = Math.floor(Date.now() / 15_000) * 15;
    const from = to - 2 * 3600;
    prometheus = await startRealPrometheus({
      backfill: storeUsageOpenMetrics(
        `store-${storeId}`,
        {
          cpuCores: { wordpress: 0.2, mysql: 0.05 },
          memoryBytes: { wordpress: 150 * MiB, mysql: 350 * MiB },
          volumes: { 'data-mysql-0': { used: 1.5 * GiB, requested: 10 * GiB }, 'wordpress-content': { used: 0.5 * GiB, requested: 5 * GiB } },
          restarts: { wordpress: { before: 0, after: 2 }, mysql: { before: 1, after: 1 } },
        },
        from,
        to,
      ),
      port: prometheusPort,
    });
    await page.reload();
    await page.getByTestId('usage-cpu').waitFor();
    expect(await page.getByTestId('usage-cpu-now').textContent()).toContain('0.25 cores');
    expect(await page.getByTestId('usage-memory-now').textContent()).toContain('500 MiB');
    expect((await page.getByTestId('usage-storage-now').textContent())?.replace(/\s+/g, ' ')).toContain('2 GiB of 15 GiB requested');
    expect(await page.getByTestId('usage-restarts-now').textContent()).toContain('3 restarts');
    // Each chart is an image with a text alternative, and its line has points across the hour.
    const svg = page.getByTestId('usage-memory').locator('svg');
    expect(await svg.getAttribute('role')).toBe('img');
    expect(await svg.getAttribute('aria-label')).toBe('Memory over the last hour: now 500 MiB, peak 500 MiB.');
    const d = (await page.getByTestId('usage-cpu').locator('path.line').getAttribute('d'))!;
    expect(d.split(/[ML]/).filter(Boolean)).toHaveLength(61);
    expect(await page.getByTestId('usage-storage').locator('path.limit').count()).toBe(1);
    expect(await page.getByRole('link', { name: '1h' }).getAttribute('aria-current')).toBe('page');
    expect(await seriousAxeViolations()).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeViolations()).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.getByTestId('usage').screenshot({ path: `${SCREENSHOTS}store-usage.png` });
    }
  });

  it('switches to 7 days with a link (the range travels in the URL)', async () => {
    await page.getByRole('link', { name: '7d' }).click();
    await page.waitForURL(/\?range=7d$/);
    await page.waitForFunction(() => document.querySelector('[data-testid="usage-memory"] svg')?.getAttribute('aria-label')?.includes('last 7 days'));
    expect(await page.getByRole('link', { name: '7d' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('usage-memory-now').textContent()).toContain('500 MiB');
  });

  it('says so plainly when the platform has no monitoring', async () => {
    // One dashboard per process at a time: the SvelteKit handler is a module singleton (its API secret).
    await dash.close();
    bare = await startDashboard();
    ({ id: bareStoreId, user: bareOwner } = await readyStore(bare, 'unmonitored'));
    await signIn(bare, bareOwner.email, bareOwner.password);
    await page.goto(`${bare.baseUrl}/stores/${bareStoreId}`);
    await page.getByTestId('usage-not-configured').waitFor();
    expect(await page.getByTestId('usage-not-configured').textContent()).toContain('Monitoring is not set up');
    expect(await page.getByTestId('usage').locator('svg').count()).toBe(0);
    expect(await seriousAxeViolations()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
