import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { markStoreError, markStoreReady, startDashboard, type Dashboard } from './dashboard-harness.ts';

// One browser and one page for the whole story; each test is one step a user takes.
const POLL_MS = 300;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
const EMAIL = 'owner@example.com';
const PASSWORD = 'a long enough password';
const ADMIN_PASSWORD = 'Xk3-generated-Admin-pw';

let dash: Dashboard;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requests: { url: string; method: string }[] = [];
/** Script errors and console errors of the page (CSP violations, hydration failures, exceptions). */
const pageErrors: string[] = [];

const liveRequestsSince = (mark: number) => requests.slice(mark).filter((r) => /\/stores\/(live|[0-9a-f-]{36}\/live)$/.test(new URL(r.url).pathname));
const row = (name: string) => page.locator(`[data-testid="store-row"][data-store-name="${name}"]`);
const storeId = async (name: string) => (await dash.platform.platform.knex('stores').where({ name }).first('id')).id as string;
/** Lets the page run a few poll intervals, to see what it sends (or does not). */
const pollIntervals = (n: number) => page.waitForTimeout(POLL_MS * n);

async function screenshot(name: string) {
  // Written on request only (UPDATE_SCREENSHOTS=1), so a test run leaves the tree unchanged.
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

async function seriousAxeViolations(): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy refuses injected <script> tags.
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

beforeAll(async () => {
  process.env.DASHBOARD_POLL_INTERVAL_MS = String(POLL_MS);
  process.env.DASHBOARD_POLL_MAX_INTERVAL_MS = String(POLL_MS * 4);
  dash = await startDashboard({ CREATE_RATE_LIMIT_PER_MINUTE: '2', DEFAULT_STORE_QUOTA: '5' });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dash.baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('request', (r: Request) => requests.push({ url: r.url(), method: r.method() }));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Failed resource loads are expected while the server is stopped, and for refused forms.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
});

afterAll(async () => {
  await browser?.close();
  await dash?.close();
});

describe('Dashboard', () => {
  it('signs up and shows an empty store list that invites a first store, with the quota', async () => {
    await page.goto(`${dash.baseUrl}/signup`);
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${dash.baseUrl}/stores`);
    await page.getByTestId('empty-state').waitFor();
    expect(await page.getByTestId('empty-state').textContent()).toContain('Create your first store');
    expect(await page.getByTestId('quota').textContent()).toMatch(/0 of 5\s+stores/);
  });

  it('keeps the token out of the page: HttpOnly, SameSite cookie, unreadable by scripts', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'sp_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('sp_session');
    expect(await page.content()).not.toContain(cookie!.value);
  });

  it('refuses a form post from another origin (CSRF)', async () => {
    const res = await page.request.post(`${dash.baseUrl}/stores?/create`, { headers: { origin: 'http://evil.example' }, form: { name: 'csrf-shop' } });
    expect(res.status()).toBe(403);
    expect(await dash.platform.platform.knex('stores').where({ name: 'csrf-shop' }).first()).toBeUndefined();
  });

  it('checks name and domain in the browser: errors next to the fields, focus on the first, nothing sent', async () => {
    await page.fill('#store-name', '-bad-');
    await page.fill('#store-domain', 'nodots');
    const mark = requests.length;
    await page.click('button:has-text("Create store")');
    await page.locator('#store-name-error').waitFor();
    expect(await page.locator('#store-name-error').textContent()).toContain('starting and ending with a letter or digit');
    expect(await page.locator('#store-domain-error').textContent()).toContain('at least two labels');
    expect(await page.getAttribute('#store-name', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#store-name', 'aria-describedby')).toContain('store-name-error');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('store-name');
    await screenshot('create-form-errors');
    await pollIntervals(2);
    expect(requests.slice(mark)).toEqual([]);
  });

  it('creates a store with the keyboard alone; it appears at once as Pending, with a spinner and its phase in words', async () => {
    await page.goto(`${dash.baseUrl}/stores`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('store-name');
    await page.keyboard.type('corner-shop');
    const mark = requests.length;
    await page.keyboard.press('Enter');
    await row('corner-shop').locator('[data-status="Pending"]').waitFor();
    expect(await row('corner-shop').getByTestId('spinner').isVisible()).toBe(true);
    expect(await row('corner-shop').getByTestId('phase').textContent()).toContain('Waiting for a worker');
    expect(await page.getByTestId('quota').textContent()).toMatch(/1 of 5/);
    expect(requests.slice(mark).filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('shows an error of the API next to the field it concerns (another store’s default domain: the platform’s, so refused)', async () => {
    const domain = (await row('corner-shop').locator('.domain').textContent())!.trim();
    await page.fill('#store-name', 'other-shop');
    await page.fill('#store-domain', domain);
    await page.click('button:has-text("Create store")');
    await page.locator('#store-domain-error').waitFor();
    expect(await page.locator('#store-domain-error').textContent()).toContain(`Domains under ${domain.split('.').slice(1).join('.')} are the platform's`);
    expect(await row('other-shop').count()).toBe(0);
  });

  it('says when to try again after the create rate limit (Retry-After), and holds the button until then', async () => {
    await page.fill('#store-name', 'second-shop');
    await page.fill('#store-domain', '');
    await page.click('button:has-text("Create store")');
    await row('second-shop').waitFor();
    await page.fill('#store-name', 'third-shop');
    await page.click('button:has-text("Create store")');
    const alert = page.locator('.alert.error');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Try again in \d+ seconds\. That is at \d\d:\d\d:\d\d\./);
    expect(await page.locator('form[action="?/create"] button[type="submit"]').textContent()).toMatch(/wait \d+ s/);
    expect(await page.locator('form[action="?/create"] button[type="submit"]').isDisabled()).toBe(true);
    expect(await row('third-shop').count()).toBe(0);
  });

  it('disables the create button at the quota, with a message that explains the limit', async () => {
    await dash.platform.platform.knex('users').where({ email: EMAIL }).update({ store_quota: 2 });
    await page.reload();
    await page.getByTestId('quota-message').waitFor();
    expect(await page.getByTestId('quota-message').textContent()).toContain('You have 2 of 2 stores, the most your account allows. Delete a store to create another.');
    expect(await page.getByTestId('quota').textContent()).toMatch(/2 of 2/);
    const button = page.locator('form[action="?/create"] button[type="submit"]');
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('aria-describedby')).toBe('quota-message');
  });

  it('shows "reconnecting" when the API stops mid-poll, recovers when it is back, and shows the Ready link without reloading', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const pendingBox = await row('corner-shop').boundingBox();
    await dash.stop();
    await page.getByTestId('reconnecting').waitFor();
    expect(await page.getByTestId('reconnecting').textContent()).toContain('Reconnecting');
    expect(await page.locator('button:has-text("Retry now")').isVisible()).toBe(true);
    await markStoreReady(dash.platform, await storeId('corner-shop'), ADMIN_PASSWORD);
    await dash.resume();
    await page.getByTestId('reconnecting').waitFor({ state: 'hidden' });
    await row('corner-shop').getByTestId('store-link').waitFor();
    expect(await row('corner-shop').getByTestId('store-link').getAttribute('href')).toMatch(/^https:\/\/corner-shop\./);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // No layout jump: the row keeps its place and size from Pending to Ready.
    expect(await row('corner-shop').boundingBox()).toEqual(pendingBox);
  });

  it('shows nothing of the credentials before the store is Ready', async () => {
    await row('second-shop').locator('a.name').click();
    await page.waitForURL(/\/stores\/[0-9a-f-]{36}$/);
    await page.locator('main h1:has-text("second-shop")').waitFor();
    expect(await page.getByTestId('phase').textContent()).toContain('Waiting for a worker');
    expect(await page.locator('button:has-text("Show credentials")').count()).toBe(0);
    const res = await page.request.post(`${page.url()}?/credentials`, { headers: { origin: dash.baseUrl, accept: 'application/json', 'x-sveltekit-action': 'true' }, form: {} });
    const body = await res.json();
    expect(body, JSON.stringify(body)).toMatchObject({ type: "failure", status: 409 });
    expect(JSON.stringify(body)).not.toContain('password');
  });

  it('stops polling when the user leaves the page', async () => {
    await page.click('nav a:has-text("Stores")');
    await page.waitForURL(`${dash.baseUrl}/stores`);
    const before = requests.length;
    await page.waitForRequest((r) => r.url().endsWith('/stores/live')); // second-shop is Pending: polling runs
    expect(liveRequestsSince(before).length).toBeGreaterThan(0);
    await page.click('nav a:has-text("API keys")');
    await page.waitForURL(`${dash.baseUrl}/api-keys`);
    const mark = requests.length;
    await pollIntervals(5);
    expect(liveRequestsSince(mark)).toEqual([]);
  });

  it('creates an API key shown once with a copy button, lists it, and revokes it', async () => {
    await page.fill('#key-name', 'CI deploys');
    await page.click('button:has-text("Create key")');
    await page.getByTestId('new-key-value').waitFor();
    const key = (await page.getByTestId('new-key-value').textContent())!.trim();
    expect(key).toMatch(/^sp_/);
    expect(await page.getByTestId('new-key').locator('button:has-text("Copy key")').isVisible()).toBe(true);
    expect((await dash.platform.request('GET', '/api/v1/me', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    await page.reload();
    expect(await page.getByTestId('new-key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    expect(await page.getByTestId('key-row').count()).toBe(1);
    await page.click('button[aria-label="Revoke key CI deploys"]');
    await page.locator('dialog[open] button:has-text("Revoke CI deploys")').click();
    await page.getByTestId('revoked-row').waitFor();
    expect(await page.getByTestId('no-keys').isVisible()).toBe(true);
    expect((await dash.platform.request('GET', '/api/v1/me', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('shows a store in Error with a badge and the reason, and stops polling once no store is Pending or Deleting', async () => {
    await page.click('nav a:has-text("Stores")');
    await page.waitForURL(`${dash.baseUrl}/stores`);
    await markStoreError(dash.platform, await storeId('second-shop'), 'The WordPress image could not be pulled (ErrImagePull).');
    await row('second-shop').locator('[data-status="Error"]').waitFor();
    expect(await row('second-shop').locator('.reason').textContent()).toBe('Error: The WordPress image could not be pulled (ErrImagePull).');
    const mark = requests.length;
    await pollIntervals(5);
    expect(liveRequestsSince(mark)).toEqual([]);
    await screenshot('store-list');
  });

  it('offers Retry for a store in Error: Pending again, on a platform without the GitOps pipeline too', async () => {
    await row('second-shop').locator('a.name').click();
    await page.waitForURL(/\/stores\/[0-9a-f-]{36}$/);
    expect(await page.getByTestId('failure-summary').textContent()).toContain('could not be set up');
    expect(await page.getByTestId('failure-details').textContent()).toContain('ErrImagePull');
    await page.click('button:has-text("Retry")');
    await page.locator('main .title [data-status="Pending"]').waitFor();
    expect(await page.locator('.alert.error').count()).toBe(0);
    await markStoreError(dash.platform, await storeId('second-shop'), 'The WordPress image could not be pulled (ErrImagePull).');
  });

  it('shows a Ready store’s URLs, reveals and copies the admin password with a warning to change it', async () => {
    await page.click('nav a:has-text("Stores")');
    await page.waitForURL(`${dash.baseUrl}/stores`);
    await row('corner-shop').locator('a.name').click();
    await page.waitForURL(/\/stores\/[0-9a-f-]{36}$/);
    await page.getByTestId('admin-url').waitFor();
    expect(await page.getByTestId('admin-url').getAttribute('href')).toMatch(/^https:\/\/corner-shop\.[^/]+\/wp-admin\/$/);
    await page.locator('[data-testid="health-unavailable"], [data-testid="health-status"]').first().waitFor();
    expect(await page.content()).not.toContain(ADMIN_PASSWORD);
    await page.click('button:has-text("Show credentials")');
    await page.getByTestId('admin-password').waitFor();
    expect(await page.getByTestId('admin-password').textContent()).toBe(ADMIN_PASSWORD);
    expect(await page.getByTestId('admin-username').textContent()).toBe('admin');
    expect(await page.locator('[role="note"]').textContent()).toContain('Change this password');
    await page.click('button:has-text("Copy password")');
    await page.locator('text=Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ADMIN_PASSWORD);
    await screenshot('store-credentials');
  });

  it('deletes a store after a confirmation that names it; the store is Deleting, then gone without reloading', async () => {
    await page.click('button:has-text("Delete store")');
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toBe('Delete the store “corner-shop”?');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Cancel');
    await dialog.locator('button:has-text("Delete corner-shop")').click();
    await page.waitForURL(`${dash.baseUrl}/stores`);
    await row('corner-shop').locator('[data-status="Deleting"]').waitFor();
    // The teardown job's last step, done to the row: the store is gone.
    await dash.platform.platform.knex('stores').where({ name: 'corner-shop' }).del();
    await row('corner-shop').waitFor({ state: 'detached' });
    expect(await page.getByTestId('quota').textContent()).toMatch(/1 of 2/);
  });

  it('has no serious accessibility violation (axe-core) on any page, in light and dark mode', async () => {
    const pages = ['/stores', `/stores/${await storeId('second-shop')}`, '/api-keys'];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const path of pages) {
        await page.goto(`${dash.baseUrl}${path}`);
        expect({ scheme, path, violations: await seriousAxeViolations() }).toEqual({ scheme, path, violations: [] });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('fits a phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/stores', `/stores/${await storeId('second-shop')}`, '/api-keys']) {
      await page.goto(`${dash.baseUrl}${path}`);
      expect({ path, overflow: await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth) }).toEqual({ path, overflow: false });
    }
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('signs out, says clearly when the password is wrong, and signs in again', async () => {
    await page.goto(`${dash.baseUrl}/stores`);
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(/\/login\?signedOut=1$/);
    expect((await context.cookies()).find((c) => c.name === 'sp_session')).toBeUndefined();
    expect(await seriousAxeViolations()).toEqual([]);
    await page.fill('#email', EMAIL);
    await page.fill('#password', 'not the password');
    await page.click('button:has-text("Sign in")');
    await page.locator('.alert.error').waitFor();
    expect(await page.locator('.alert.error').textContent()).toBe('Wrong e-mail or password.');
    await page.fill('#password', PASSWORD);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${dash.baseUrl}/stores`);
    await row('second-shop').waitFor();
  });

  it('ran the whole story without a script error or a Content-Security-Policy violation in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
