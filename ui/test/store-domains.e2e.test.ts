import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { markStoreReady, startDashboard, type Dashboard } from './dashboard-harness.ts';
import { startDnsServer, type DnsServer } from '../../api/test/support/dns-server.ts';

/**
 * The domains panel of the store page, in Chromium, against the real API and a real DNS server
 * (dnsmasq on loopback). No worker runs here: the owner's "Check now" is what verifies.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
const PASSWORD = 'a long enough password';

let dash: Dashboard;
let dns: DnsServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let storeId: string;
const pageErrors: string[] = [];

const row = (domain: string) => page.locator(`[data-testid="domain-row"][data-domain="${domain}"]`);

async function seriousAxeViolations(): Promise<string[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

beforeAll(async () => {
  dns = await startDnsServer();
  dash = await startDashboard({ DNS_RESOLVERS: dns.address, BASE_DOMAIN: 'shops.example.net' });
  const owner = await dash.platform.signUp('domains-owner@example.com', PASSWORD);
  storeId = (await dash.platform.request('POST', '/api/v1/stores', { token: owner.token, body: { name: 'bakery' } })).body.id;
  await markStoreReady(dash.platform, storeId, 'Xk3-generated-Admin-pw');
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dash.baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
  await page.goto(`${dash.baseUrl}/login`);
  await page.fill('#email', 'domains-owner@example.com');
  await page.fill('#password', PASSWORD);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(`${dash.baseUrl}/stores`);
});

afterAll(async () => {
  await browser?.close();
  await dash?.close();
  await dns?.stop();
});

describe('Domains panel', () => {
  it('starts empty and refuses a bad domain next to the field, adding nothing', async () => {
    await page.goto(`${dash.baseUrl}/stores/${storeId}`);
    await page.getByTestId('domains-empty').waitFor();
    await page.fill('#domain-input', 'nodots');
    await page.click('button:has-text("Add domain")');
    await page.locator('#domain-input-error').waitFor();
    expect(await page.locator('#domain-input-error').textContent()).toContain('at least two labels');
    expect(await page.getAttribute('#domain-input', 'aria-invalid')).toBe('true');
    await page.fill('#domain-input', 'other.shops.example.net');
    await page.click('button:has-text("Add domain")');
    await page.locator('#domain-input-error').filter({ hasText: 'are the platform' }).waitFor();
    expect(await dash.platform.platform.knex('store_domains').select('domain')).toEqual([]);
  });

  it('adds a domain and shows the TXT record to publish, copyable', async () => {
    await page.fill('#domain-input', 'shop.bakery.example');
    await page.click('button:has-text("Add domain")');
    await row('shop.bakery.example').waitFor();
    expect(await row('shop.bakery.example').getAttribute('data-status')).toBe('pending');
    expect(await row('shop.bakery.example').getByTestId('record-name').textContent()).toBe('_store-platform-challenge.shop.bakery.example');
    const token = (await dash.platform.platform.knex('store_domains').where({ domain: 'shop.bakery.example' }).first('token')).token as string;
    expect(await row('shop.bakery.example').getByTestId('record-value').textContent()).toBe(token);
    await row('shop.bakery.example').getByRole('button', { name: 'Copy record value' }).click();
    await row('shop.bakery.example').getByText('Copied').first().waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    expect(await page.inputValue('#domain-input')).toBe('');
  });

  it('"Check now" without the record: still waiting, with what the DNS said; with it: verified', async () => {
    await row('shop.bakery.example').getByRole('button', { name: 'Check now' }).click();
    await row('shop.bakery.example').getByTestId('last-check').waitFor();
    expect(await row('shop.bakery.example').getByTestId('last-check').textContent()).toContain('No TXT record');
    expect(await row('shop.bakery.example').getAttribute('data-status')).toBe('pending');

    const token = (await dash.platform.platform.knex('store_domains').where({ domain: 'shop.bakery.example' }).first('token')).token as string;
    await dns.setTxt({ '_store-platform-challenge.shop.bakery.example': [token] });
    await row('shop.bakery.example').getByRole('button', { name: 'Check now' }).click();
    await page.locator('[data-testid="domain-row"][data-domain="shop.bakery.example"][data-status="verified"]').waitFor();
    expect(await page.getByTestId('domains-message').textContent()).toContain('is verified');
    // No cluster here: the certificate's status is said to be unavailable, not guessed.
    expect(await row('shop.bakery.example').getByTestId('certificate-status').textContent()).toContain('Certificate status unavailable');
  });

  it('makes the verified domain primary (the store’s URL), and has no serious accessibility violation (axe-core)', async () => {
    await page.fill('#domain-input', 'pending.bakery.example');
    await page.click('button:has-text("Add domain")');
    await row('pending.bakery.example').waitFor();
    await row('shop.bakery.example').getByRole('button', { name: 'Make primary' }).click();
    await row('shop.bakery.example').getByTestId('domain-primary').waitFor();
    const store = (await dash.platform.platform.knex('stores').where({ id: storeId }).first('primary_domain')) as { primary_domain: string };
    expect(store.primary_domain).toBe('shop.bakery.example');
    await page.reload();
    await page.getByTestId('store-url').waitFor();
    expect(await page.getByTestId('store-url').textContent()).toBe('https://shop.bakery.example');
    await row('pending.bakery.example').waitFor();
    expect(await seriousAxeViolations()).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeViolations()).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('fits a 390 px phone: the long token wraps instead of widening the page', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await row('pending.bakery.example').getByTestId('record-value').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('removes a domain only after a confirmation; Cancel keeps it', async () => {
    await row('shop.bakery.example').getByRole('button', { name: 'Remove shop.bakery.example' }).click();
    await page.getByRole('dialog').waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await row('shop.bakery.example').count()).toBe(1);
    await row('shop.bakery.example').getByRole('button', { name: 'Remove shop.bakery.example' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove shop.bakery.example' }).click();
    await row('shop.bakery.example').waitFor({ state: 'detached' });
    expect(await page.getByTestId('domains-message').textContent()).toContain('Removed shop.bakery.example');
    expect(await dash.platform.platform.knex('store_domains').where({ domain: 'shop.bakery.example' }).first()).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });
});
