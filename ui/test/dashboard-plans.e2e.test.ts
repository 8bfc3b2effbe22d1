import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPipelineHarness, type PipelineHarness } from '../../api/test/support/pipeline-harness.ts';
import { SHIPPED_PLANS_FILE } from '../../api/src/config/config.ts';
import { createUiHandler } from '../server.ts';
import { ensureUiBuilt } from './dashboard-harness.ts';

// Plans in the dashboard over the real loop: the plan picked at creation is the store's, and a change on
// the store page goes through one commit, `resizing`, and back to Ready because the sim says so.
const POLL_MS = 300;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');

let h: PipelineHarness;
let server: Server;
let baseUrl: string;
let browser: Browser;
let page: Page;
const row = (name: string) => page.locator(`[data-testid="store-row"][data-store-name="${name}"]`);

async function seriousAxeViolations(): Promise<string[]> {
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

beforeAll(async () => {
  ensureUiBuilt();
  process.env.DASHBOARD_POLL_INTERVAL_MS = String(POLL_MS);
  process.env.DASHBOARD_SLOW_POLL_INTERVAL_MS = String(POLL_MS * 2);
  process.env.DASHBOARD_POLL_MAX_INTERVAL_MS = String(POLL_MS * 4);
  const plansFile = join(mkdtempSync(join(tmpdir(), 'plans-ui-')), 'plans.yaml');
  writeFileSync(
    plansFile,
    readFileSync(SHIPPED_PLANS_FILE, 'utf8').replace('storageClassName: ""', 'storageClassName: expandable').replace('allowVolumeExpansion: false', 'allowVolumeExpansion: true'),
  );
  // Pods take a moment, so the page (and this test) sees `resizing`.
  h = await startPipelineHarness({ CLUSTER_SIMULATED: 'true', PLANS_FILE: plansFile }, { timings: { podStartMs: 1000, podReadyMs: 1500 } });
  h.sim.store.create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'expandable' }, provisioner: 'driver.longhorn.io', allowVolumeExpansion: true });
  const ui = await createUiHandler({ dashboardSecret: h.config.dashboardSecret });
  const app = express();
  app.use(ui!);
  app.use(h.platform.app);
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  page.setDefaultTimeout(15_000);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(() => r(undefined)) : r(undefined)));
  await h?.close();
});

describe('Dashboard: plans', () => {
  it('picks a plan at creation, changes it on the store page with a confirmation, shows resizing, then Ready on the new plan; no serious axe violation', async () => {
    await page.goto(`${baseUrl}/signup`);
    await page.fill('#email', 'plans@example.com');
    await page.fill('#password', 'a long enough password');
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${baseUrl}/stores`);

    // The create form offers the three plans, the default chosen.
    expect(await page.locator('input[name="plan"]:checked').inputValue()).toBe('small');
    expect(await page.locator('input[name="plan"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['small', 'medium', 'large']);
    expect(await seriousAxeViolations()).toEqual([]);
    await page.fill('#store-name', 'plan-shop');
    await page.getByTestId('plan-option-medium').click();
    await page.click('button:has-text("Create store")');
    await row('plan-shop').getByTestId('store-link').waitFor({ timeout: 90_000 });
    const id = (await h.platform.knex('stores').where({ name: 'plan-shop' }).first('id', 'plan')) as { id: string; plan: string };
    expect(id.plan).toBe('medium');

    await row('plan-shop').locator('a.name').click();
    await page.waitForURL(`${baseUrl}/stores/${id.id}`);
    expect(await page.getByTestId('current-plan').textContent()).toContain('Medium');
    // Small has smaller volumes than this store: not offered, and the reason is said.
    expect(await page.locator('input[name="plan-choice"][value="small"]').isDisabled()).toBe(true);
    expect(await page.getByTestId('plan-option-small').textContent()).toContain('a volume only grows');
    expect(await page.getByTestId('change-plan').isDisabled()).toBe(true);
    expect(await seriousAxeViolations()).toEqual([]);

    await page.getByTestId('plan-option-large').click();
    await page.getByTestId('change-plan').click();
    const dialog = page.locator('dialog[open]');
    expect(await dialog.locator('h2').textContent()).toBe('Change “plan-shop” from Medium to Large?');
    expect(await seriousAxeViolations()).toEqual([]);
    // Cancel changes nothing.
    await dialog.locator('button:has-text("Cancel")').click();
    expect((await h.platform.knex('stores').where({ id: id.id }).first('plan')).plan).toBe('medium');

    await page.getByTestId('change-plan').click();
    await page.getByTestId('confirm-plan').click();
    await page.getByTestId('plan-resizing').waitFor();
    expect(await page.getByTestId('plan-resizing').textContent()).toContain('keeps serving');
    expect(await seriousAxeViolations()).toEqual([]);
    // Ready again by itself, on the new plan, once the sim runs the new shape.
    await page.getByTestId('plan-resizing').waitFor({ state: 'detached', timeout: 90_000 });
    await page.locator('[data-testid="current-plan"]:has-text("Large")').waitFor();
    const store = await h.platform.knex('stores').where({ id: id.id }).first('status', 'phase', 'plan');
    expect(store).toEqual({ status: 'Ready', phase: 'ready', plan: 'large' });
    expect((h.sim.store.list('v1', 'ResourceQuota', { namespace: `store-${id.id}` })[0] as any).spec.hard['requests.cpu']).toBe('13');
  }, 300_000);
});
