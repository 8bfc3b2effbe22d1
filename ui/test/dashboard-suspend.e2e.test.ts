import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { markStoreReady, startDashboard, type Dashboard } from './dashboard-harness.ts';

// Pause and resume on the store page, as its owner, and an operator's suspension the owner cannot lift.
// The API and the dashboard are real; what the status cycle would conclude from Argo CD (suspended,
// Ready again) is written to the row, as markStoreReady does for Ready.
const POLL_MS = 300;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
const OPERATOR = 'ops@example.com';

let dash: Dashboard;
let browser: Browser;
let page: Page;
let storeId: string;
const pageErrors: string[] = [];

async function seriousAxeViolations(): Promise<string[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** What the status cycle writes once Argo CD reports the change healthy. */
async function settle(status: 'Suspended' | 'Ready', phase: 'suspended' | 'ready') {
  await dash.platform.platform.knex('stores').where({ id: storeId }).update({ status, phase, committed_generation: dash.platform.platform.knex.ref('generation'), updated_at: new Date() });
}

beforeAll(async () => {
  process.env.DASHBOARD_POLL_INTERVAL_MS = String(POLL_MS);
  process.env.DASHBOARD_SLOW_POLL_INTERVAL_MS = String(POLL_MS * 2);
  process.env.DASHBOARD_POLL_MAX_INTERVAL_MS = String(POLL_MS * 4);
  dash = await startDashboard({ OPERATOR_EMAILS: OPERATOR });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
  const owner = await dash.platform.signUp('owner@example.com');
  const created = await dash.platform.request('POST', '/api/v1/stores', { token: owner.token, body: { name: 'winter-shop' } });
  storeId = created.body.id;
  await markStoreReady(dash.platform, storeId, 'Xk3-generated-Admin-pw');
  await page.goto(`${dash.baseUrl}/login`);
  await page.fill('#email', owner.email);
  await page.fill('#password', owner.password);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${dash.baseUrl}/stores`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dash?.close();
});

describe('Dashboard: pause and resume', () => {
  it('the owner pauses a Ready store after a confirmation (Cancel has the focus), with a reason', async () => {
    await page.goto(`${dash.baseUrl}/stores/${storeId}`);
    await page.getByRole('button', { name: 'Pause store' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pause the store “winter-shop”?' });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    expect(await seriousAxeViolations()).toEqual([]);
    await dialog.getByLabel('Reason (optional)').fill('closed for the winter');
    await dialog.getByRole('button', { name: 'Pause winter-shop' }).click();
    await page.locator('[data-status="Suspended"]').first().waitFor();
    await page.getByTestId('suspension-phase').filter({ hasText: 'Pausing the store' }).waitFor();
    await dialog.waitFor({ state: 'hidden' });
    const row = await dash.platform.platform.knex('stores').where({ id: storeId }).first();
    expect(row).toMatchObject({ status: 'Suspended', phase: 'suspending', suspended_by_kind: 'owner', suspension_reason: 'closed for the winter' });
  });

  it('shows who paused it and why once it is paused, and resumes it after a confirmation', async () => {
    await settle('Suspended', 'suspended');
    await page.getByTestId('suspended-by').filter({ hasText: 'Paused by its owner on' }).waitFor();
    expect(await page.getByTestId('suspension-reason').textContent()).toBe('closed for the winter');
    expect(await page.getByTestId('operator-suspension').count()).toBe(0);
    expect(await page.getByTestId('health-status').count()).toBe(0); // no red "Unhealthy" for a paused store
    expect(await seriousAxeViolations()).toEqual([]);
    await page.getByRole('button', { name: 'Resume store' }).click();
    const dialog = page.getByRole('dialog', { name: 'Resume the store “winter-shop”?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Resume winter-shop' }).click();
    await page.getByTestId('suspension-phase').filter({ hasText: 'Starting the store again' }).waitFor();
    expect((await dash.platform.platform.knex('stores').where({ id: storeId }).first()).phase).toBe('resuming');
    await settle('Ready', 'ready');
    await page.getByRole('button', { name: 'Pause store' }).waitFor();
  });

  it('an operator suspension: the reason and a notice that the owner cannot lift it, and no Resume button; no serious axe violation, light or dark', async () => {
    const ops = await dash.platform.signUp(OPERATOR);
    const res = await dash.platform.request('POST', `/api/v1/stores/${storeId}/suspend`, { token: ops.token, body: { reason: 'invoice 1042 is unpaid' } });
    expect(res.status).toBe(202);
    await settle('Suspended', 'suspended');
    await page.getByTestId('operator-suspension').waitFor();
    expect(await page.getByTestId('suspended-by').textContent()).toContain('Suspended by an operator on');
    expect(await page.getByTestId('suspension-reason').textContent()).toBe('invoice 1042 is unpaid');
    expect(await page.getByTestId('operator-suspension').textContent()).toContain('cannot resume it yourself');
    expect(await page.getByRole('button', { name: 'Resume store' }).count()).toBe(0);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect({ scheme, violations: await seriousAxeViolations() }).toEqual({ scheme, violations: [] });
    }
    await page.emulateMedia({ colorScheme: 'light' });
    // the list says how many of the owner's stores are paused
    await page.goto(`${dash.baseUrl}/stores`);
    expect(await page.getByTestId('quota').textContent()).toMatch(/1 of 5\s+stores, 1 of them paused/);
    expect(pageErrors).toEqual([]);
  });
});
