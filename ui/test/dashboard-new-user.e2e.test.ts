import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { markStoreError, startDashboard, type Dashboard } from './dashboard-harness.ts';

// What a new user hit (issue 14, item 6): the server stopped and restarted under the open page, a phone
// screen, and the words of failures. The default poll cadence (5 s), as a user has it.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';

let dash: Dashboard;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const row = (name: string) => page.locator(`[data-testid="store-row"][data-store-name="${name}"]`);
const storeId = async (name: string) => (await dash.platform.platform.knex('stores').where({ name }).first('id')).id as string;
const overflows = () => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

async function seriousAxeViolations(): Promise<string[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

beforeAll(async () => {
  delete process.env.DASHBOARD_POLL_INTERVAL_MS;
  delete process.env.DASHBOARD_POLL_MAX_INTERVAL_MS;
  dash = await startDashboard({ DEFAULT_STORE_QUOTA: '5' });
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

describe('What a new user hit in the dashboard', () => {
  it('reports a name whose free address another user’s store has under the Name field, not the empty Domain field', async () => {
    const other = await dash.platform.signUp();
    const taken = await dash.platform.request('POST', '/api/v1/stores', { token: other.token, body: { name: 'taken-shop' } });
    expect(taken.status).toBe(202);
    await page.goto(`${dash.baseUrl}/signup`);
    await page.fill('#email', 'newbie@example.com');
    await page.fill('#password', 'a long enough password');
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${dash.baseUrl}/stores`);
    await page.fill('#store-name', 'taken-shop');
    await page.click('button:has-text("Create store")');
    await page.locator('#store-name-error').waitFor();
    expect(await page.locator('#store-name-error').textContent()).toContain('The name “taken-shop” is taken');
    expect(await page.locator('#store-domain-error').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('store-name');
  });

  it('keeps the form and the typed name when the platform is down, says so, and creates the store on "Try again" once it is back', async () => {
    await page.fill('#store-name', 'down-shop');
    await dash.stop();
    await page.click('button:has-text("Create store")');
    await page.locator('.alert.error').waitFor();
    expect(await page.locator('.alert.error').textContent()).toContain('cannot be reached');
    expect(await page.locator('h1').textContent()).not.toContain('Something went wrong');
    expect(await page.inputValue('#store-name')).toBe('down-shop');
    await dash.resume();
    await page.getByTestId('create-retry').click();
    await row('down-shop').waitFor();
    expect(await page.getByTestId('create-retry').count()).toBe(0);
    expect(Number((await dash.platform.platform.knex('stores').where({ name: 'down-shop' }).count({ n: '*' }))[0]!.n)).toBe(1);
  });

  it('shows the dashboard’s own “unreachable” page for a link followed while the server is down, with a link that retries', async () => {
    await dash.stop();
    await page.click('nav a:has-text("API keys")');
    await page.getByTestId('unreachable').waitFor();
    expect(await page.locator('h1').textContent()).toBe('The platform is unreachable');
    expect(await seriousAxeViolations()).toEqual([]);
    await dash.resume();
    await page.getByTestId('retry-link').click();
    await page.locator('h1:has-text("API keys")').waitFor();
    expect(page.url()).toBe(`${dash.baseUrl}/api-keys`);
  });

  it('asks before revoking an API key; Cancel keeps it', async () => {
    await page.fill('#key-name', 'CI deploys');
    await page.click('button:has-text("Create key")');
    await page.getByTestId('new-key-value').waitFor();
    await page.click('button[aria-label="Revoke key CI deploys"]');
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toBe('Revoke the key “CI deploys”?');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Cancel');
    expect(await seriousAxeViolations()).toEqual([]);
    await dialog.locator('button:has-text("Cancel")').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.getByTestId('key-row').count()).toBe(1);
    await page.click('button[aria-label="Revoke key CI deploys"]');
    await page.locator('dialog[open] button:has-text("Revoke CI deploys")').click();
    await page.getByTestId('revoked-row').waitFor();
    expect(await page.getByTestId('key-row').count()).toBe(0);
  });

  it('counts down each second while reconnecting and recovers within seconds of the server’s return', async () => {
    await page.goto(`${dash.baseUrl}/stores/${await storeId('down-shop')}`);
    await page.getByTestId('phase').waitFor();
    await dash.stop();
    const notice = page.getByTestId('reconnecting');
    const text = () => notice.textContent();
    try {
      // Retries after 1, 2, 4 s (±20 %): the 4 s wait shows the countdown ticking down to the attempt.
      await page.waitForFunction(() => /in [456] s/.test(document.querySelector('[data-testid="reconnecting"]')?.textContent ?? ''), undefined, {
        timeout: 20_000,
      });
      const first = Number(/in (\d) s/.exec((await text()) ?? '')?.[1]);
      await page.waitForFunction(
        (n) => {
          const m = /in (\d) s/.exec(document.querySelector('[data-testid="reconnecting"]')?.textContent ?? '');
          return m !== null && Number(m[1]) === n - 1;
        },
        first,
        { timeout: 5_000 },
      );
    } finally {
      await dash.resume();
    }
    // At most one wait of 5 s (±20 %) before an attempt finds the server back.
    await notice.waitFor({ state: 'hidden', timeout: 8_000 });
  });

  it('leads a failed store with a sentence a shop owner understands, keeps Argo CD’s text under details, and fits a 390 px phone', async () => {
    const id = await storeId('down-shop');
    const raw = `Sync failed: one or more synchronization tasks completed unsuccessfully (revision ${SHA}): the server could not find the requested resource`;
    await markStoreError(dash.platform, id, raw);
    await dash.platform.platform.knex('store_events').where({ store_id: id, status: 'Error' }).update({ reason: 'SyncFailed' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${dash.baseUrl}/stores/${id}`);
    await page.getByTestId('failure-summary').waitFor();
    expect(await page.getByTestId('failure-summary').textContent()).toContain('could not install your store');
    expect(await page.getByTestId('failure-summary').textContent()).not.toContain(SHA.slice(0, 7));
    const details = page.getByTestId('failure-details');
    expect(await details.getAttribute('open')).toBeNull();
    await details.locator('summary').click();
    const commit = details.locator(`[data-commit="${SHA}"]`);
    expect(await commit.textContent()).toBe(SHA.slice(0, 7));
    expect(await commit.getAttribute('title')).toBe(SHA);
    expect(await overflows()).toBe(false);
    expect(await seriousAxeViolations()).toEqual([]);
    await page.goto(`${dash.baseUrl}/stores`);
    await row('down-shop').locator('[data-status="Error"]').waitFor();
    expect(await overflows()).toBe(false);
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('ran without a script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
