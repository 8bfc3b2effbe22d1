import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';

// The store list once a user has more than a handful of stores: search, status filter, sort and pages,
// all in the URL; and the operators' view of every store. One browser page; each test is one step.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
const EMAIL = 'many-stores@example.com';
const PASSWORD = 'a long enough password';

let dash: Dashboard;
let browser: Browser;
let page: Page;
let token: string;
let userId: string;
const pageErrors: string[] = [];
/** Back/forward changes the URL first and the list once its data is loaded. */
const SETTLE = { timeout: 10_000 };

const rowNames = () => page.locator('[data-testid="store-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-store-name')));
const path = () => {
  const u = new URL(page.url());
  return u.pathname + u.search;
};
const overflows = () => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

async function seriousAxeViolations(): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy refuses injected <script> tags.
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function createStores(names: string[], as = token): Promise<void> {
  for (const name of names) {
    const res = await dash.platform.request('POST', '/api/v1/stores', { token: as, body: { name } });
    expect(res.status, name).toBe(202);
  }
}
const setStatus = (name: string, status: string, phase: string, owner = userId) => dash.platform.platform.knex('stores').where({ name, owner_id: owner }).update({ status, phase });

beforeAll(async () => {
  delete process.env.DASHBOARD_POLL_INTERVAL_MS;
  delete process.env.DASHBOARD_POLL_MAX_INTERVAL_MS;
  dash = await startDashboard({ CREATE_RATE_LIMIT_PER_MINUTE: '1000', DEFAULT_STORE_QUOTA: '20' });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
});

afterAll(async () => {
  await browser?.close();
  await dash?.close();
});

describe('The store list with many stores', () => {
  it('shows a plain list, without search or pages, while a user has a handful of stores', async () => {
    await page.goto(`${dash.baseUrl}/signup`);
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${dash.baseUrl}/stores`);
    const login = await dash.platform.request('POST', '/api/v1/auth/login', { body: { email: EMAIL, password: PASSWORD } });
    token = login.body.accessToken;
    userId = (await dash.platform.platform.knex('users').where({ email: EMAIL }).first('id')).id;
    await createStores(['ls-apple', 'ls-bean', 'ls-cocoa', 'ls-date', 'ls-elder']);
    await page.reload();
    expect(await rowNames()).toHaveLength(5);
    expect(await page.getByTestId('list-controls').count()).toBe(0);
    expect(await page.getByTestId('pager').count()).toBe(0);
    expect(await page.getByTestId('view-all').count()).toBe(0); // not an operator
  });

  it('gains search, status filter, sort and pages past five stores; ten to a page, Next and Previous in the URL', async () => {
    await createStores(['ls-fig', 'ls-grape', 'ls-hazel-bean', 'ls-iris', 'ls-jam', 'ls-kale', 'ls-lime']);
    await setStatus('ls-bean', 'Error', 'failed');
    await setStatus('ls-kale', 'Error', 'failed');
    await setStatus('ls-apple', 'Ready', 'ready');
    await page.reload();
    await page.getByTestId('list-controls').waitFor();
    expect(await rowNames()).toEqual(['ls-lime', 'ls-kale', 'ls-jam', 'ls-iris', 'ls-hazel-bean', 'ls-grape', 'ls-fig', 'ls-elder', 'ls-date', 'ls-cocoa']);
    expect(await page.getByTestId('range').textContent()).toContain('Showing 1–10 of 12');
    await page.getByTestId('next-page').click();
    await page.waitForURL(`${dash.baseUrl}/stores?page=2`);
    expect(await rowNames()).toEqual(['ls-bean', 'ls-apple']);
    expect(await page.getByTestId('range').textContent()).toContain('Showing 11–12 of 12');
    expect(await page.getByTestId('next-page').count()).toBe(0);
    await page.reload();
    expect(await rowNames()).toEqual(['ls-bean', 'ls-apple']);
    await page.goBack();
    await page.waitForURL(`${dash.baseUrl}/stores`);
    await expect.poll(rowNames, SETTLE).toHaveLength(10);
  });

  it('searches name and domain, filters by status and sorts; the URL keeps it through reload and back', async () => {
    await page.fill('#list-q', 'BEAN');
    await page.press('#list-q', 'Enter');
    await page.waitForURL(`${dash.baseUrl}/stores?q=BEAN`);
    expect(await rowNames()).toEqual(['ls-hazel-bean', 'ls-bean']);

    await page.selectOption('#list-status', 'Error');
    await page.click('button:has-text("Apply")');
    await page.waitForURL(`${dash.baseUrl}/stores?q=BEAN&status=Error`);
    expect(await rowNames()).toEqual(['ls-bean']);

    await page.fill('#list-q', '');
    await page.selectOption('#list-sort', 'name');
    await page.click('button:has-text("Apply")');
    await page.waitForURL(`${dash.baseUrl}/stores?status=Error&sort=name`);
    expect(await rowNames()).toEqual(['ls-bean', 'ls-kale']);

    await page.reload();
    expect(await rowNames()).toEqual(['ls-bean', 'ls-kale']);
    expect(await page.inputValue('#list-status')).toBe('Error');
    expect(await page.inputValue('#list-sort')).toBe('name');

    await page.goBack();
    await page.waitForURL(`${dash.baseUrl}/stores?q=BEAN&status=Error`);
    await expect.poll(rowNames, SETTLE).toEqual(['ls-bean']);
    await expect.poll(() => page.inputValue('#list-q'), SETTLE).toBe('BEAN');

    await page.goto(`${dash.baseUrl}/stores?q=nothing-like-this`);
    await page.getByTestId('no-match').waitFor();
    await page.getByTestId('clear-filters').click();
    await page.waitForURL(`${dash.baseUrl}/stores`);
    expect(await rowNames()).toHaveLength(10);

    await page.goto(`${dash.baseUrl}/stores?sort=name-desc&page=2`);
    expect(await rowNames()).toEqual(['ls-bean', 'ls-apple']);
  });

  it('a plain user asking for every store gets their own list', async () => {
    await page.goto(`${dash.baseUrl}/stores?view=all`);
    expect(await page.locator('h1').textContent()).toBe('Your stores');
    expect(await page.getByTestId('store-owner').count()).toBe(0);
  });

  it('gives operators an "All stores" view with each store’s owner, paginated', async () => {
    const other = await dash.platform.signUp('other-owner@example.com');
    await createStores(['ot-one', 'ot-two'], other.token);
    await dash.platform.platform.knex('users').where({ id: userId }).update({ role: 'operator' });
    await page.goto(`${dash.baseUrl}/stores`);
    await page.getByTestId('view-all').click();
    await page.waitForURL(`${dash.baseUrl}/stores?view=all`);
    expect(await page.locator('h1').textContent()).toBe('All stores');
    expect(await page.getByTestId('range').textContent()).toContain('Showing 1–10 of 14');
    expect(await rowNames()).toEqual(expect.arrayContaining(['ot-two', 'ot-one']));
    const owners = await page.getByTestId('store-owner').allTextContents();
    expect(owners).toHaveLength(10);
    expect(owners.filter((o) => o.includes('other-owner@example.com'))).toHaveLength(2);
    expect(owners.filter((o) => o.includes(EMAIL))).toHaveLength(8);
    expect(await page.locator('#store-name').count()).toBe(0); // no create form in the operators' view

    await page.fill('#list-q', 'ot-');
    await page.press('#list-q', 'Enter');
    await page.waitForURL(`${dash.baseUrl}/stores?view=all&q=ot-`);
    expect(await rowNames()).toEqual(['ot-two', 'ot-one']);
    await page.goto(`${dash.baseUrl}/stores?view=all&page=2`);
    expect(await page.getByTestId('range').textContent()).toContain('Showing 11–14 of 14');
    await page.getByTestId('view-mine').click();
    await page.waitForURL(`${dash.baseUrl}/stores`);
    expect(await page.locator('h1').textContent()).toBe('Your stores');
  });

  it('has no serious accessibility violation (axe-core) with the controls and in the operators’ view, light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const p of ['/stores?status=Error', '/stores?view=all&page=2']) {
        await page.goto(`${dash.baseUrl}${p}`);
        expect({ scheme, p, violations: await seriousAxeViolations() }).toEqual({ scheme, p, violations: [] });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('fits a 390 px phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const p of ['/stores', '/stores?page=2&sort=status', '/stores?view=all']) {
      await page.goto(`${dash.baseUrl}${p}`);
      await page.getByTestId('list-controls').waitFor();
      expect({ p, overflow: await overflows() }).toEqual({ p, overflow: false });
    }
    expect(path()).toBe('/stores?view=all');
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('ran without a script error or a Content-Security-Policy violation in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
