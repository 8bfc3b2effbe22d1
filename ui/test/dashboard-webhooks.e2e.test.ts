import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../api/test/support/webhook-receiver.ts';
import type { Tx } from '../../api/src/db/transactor.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
const EMAIL = 'hooks@example.com';
const PASSWORD = 'a long enough password';

let dash: Dashboard;
let receiver: WebhookReceiver;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let secret = '';
const pageErrors: string[] = [];

async function seriousAxeViolations(): Promise<string[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // The receiver is on loopback: the operator flag lets webhooks reach it (refusal without it is tested in the API).
  dash = await startDashboard({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_BASE_MS: '20' });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dash.baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
});

afterAll(async () => {
  await browser?.close();
  await dash?.close();
  await receiver?.close();
});

describe('Dashboard: webhooks', () => {
  it('reaches the Webhooks page from the navigation, empty at first', async () => {
    await page.goto(`${dash.baseUrl}/signup`);
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${dash.baseUrl}/stores`);
    await page.click('nav a:has-text("Webhooks")');
    await page.waitForURL(`${dash.baseUrl}/webhooks`);
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe('Webhooks');
    await page.getByTestId('no-hooks').waitFor();
  });

  it('says under the URL field why a URL is refused, and keeps what was typed', async () => {
    await page.fill('#hook-url', 'https://user:secret@hooks.example.com/in');
    await page.click('button:has-text("Add endpoint")');
    await page.locator('#hook-url-error').waitFor();
    expect(await page.locator('#hook-url-error').textContent()).toContain('must not carry a user name or password');
    expect(await page.inputValue('#hook-url')).toBe('https://user:secret@hooks.example.com/in');
    expect(await page.getByTestId('hook-row').count()).toBe(0);
  });

  it('adds an endpoint for the chosen events and shows its secret once, with a copy button', async () => {
    await page.fill('#hook-url', receiver.url('/in'));
    await page.uncheck('input[value="store.error"]');
    await page.check('input[value="store.deleted"]');
    await page.click('button:has-text("Add endpoint")');
    await page.getByTestId('new-secret-value').waitFor();
    secret = (await page.getByTestId('new-secret-value').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await page.getByTestId('new-secret').locator('button:has-text("Copy signing secret")').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    expect(await page.getByTestId('hook-row').locator('.small').first().textContent()).toContain('store.ready, store.deleted');
    await page.reload();
    expect(await page.getByTestId('new-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByTestId('hook-row').count()).toBe(1);
    await page.getByTestId('no-deliveries').waitFor();
  });

  it('shows the recent deliveries of the endpoint once a store goes Ready, and the receiver can verify them', async () => {
    const { platform } = dash;
    const login = await platform.request('POST', '/api/v1/auth/login', { body: { email: EMAIL, password: PASSWORD } });
    const created = await platform.request('POST', '/api/v1/stores', { token: login.body.accessToken, body: { name: 'hooked' } });
    expect(created.status).toBe(202);
    await platform.platform.knex.transaction((trx) =>
      platform.platform.repositories.stores.transition(created.body.id, { status: 'Ready', phase: 'ready', reason: 'Healthy' }, trx as unknown as Tx),
    );
    while (receiver.received.length === 0) if ((await platform.platform.webhookDispatcher.runOnce()) === 0) await new Promise((r) => setTimeout(r, 20));
    const w = receiver.received[0]!;
    const mac = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${w.headers['webhook-id']}.${w.headers['webhook-timestamp']}.${w.body}`).digest('base64');
    expect(w.headers['webhook-signature']).toBe(`v1,${mac}`);
    await page.reload();
    const row = page.getByTestId('delivery-row').first();
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('delivered');
    expect(await row.textContent()).toMatch(/store\.ready.*delivered.*1.*HTTP 200/s);
  });

  it('has no serious accessibility violation (axe-core), in light and dark mode, and fits a phone screen', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${dash.baseUrl}/webhooks`);
      expect({ scheme, violations: await seriousAxeViolations() }).toEqual({ scheme, violations: [] });
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${dash.baseUrl}/webhooks`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)).toBe(false);
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('deletes an endpoint only after confirmation', async () => {
    await page.goto(`${dash.baseUrl}/webhooks`);
    await page.click(`button[aria-label="Delete endpoint ${receiver.url('/in')}"]`);
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    expect({ violations: await seriousAxeViolations() }).toEqual({ violations: [] });
    await dialog.locator('button:has-text("Cancel")').click();
    expect(await page.getByTestId('hook-row').count()).toBe(1);
    await page.click(`button[aria-label="Delete endpoint ${receiver.url('/in')}"]`);
    await page.locator('dialog[open] button:has-text("Delete endpoint")').click();
    await page.getByTestId('no-hooks').waitFor();
    expect(await dash.platform.platform.knex('webhook_endpoints').select('id')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
