import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';

// Attacks on the dashboard's sessions and on its one-address-for-everyone problem, from a real browser.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'a long enough password';

let dash: Dashboard;
let browser: Browser;
beforeAll(async () => {
  // Behind one trusted proxy, so each browser context below can be a different client address (X-Forwarded-For).
  dash = await startDashboard({ TRUST_PROXY_HOPS: '1' });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  await dash.platform.signUp('victim@example.com', PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await dash?.close();
});

/** A browser at `address` (as the proxy in front of the platform reports it). */
async function browserAt(address: string) {
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': address } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const signIn = async (email: string, password: string, next = '') => {
    await page.goto(`${dash.baseUrl}/login${next}`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('button:has-text("Sign in")');
  };
  return { context, page, signIn };
}

describe('dashboard sessions, attacked', () => {
  it('a session cookie replayed after sign-out lands on the sign-in page, and is no API credential (401)', async () => {
    const { context, page, signIn } = await browserAt('203.0.113.5');
    await signIn('victim@example.com', PASSWORD);
    await page.waitForURL(`${dash.baseUrl}/stores`);
    const cookie = (await context.cookies()).find((c) => c.name === 'sp_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.expires).toBe(-1); // a browser-session cookie; the server decides when it ends

    // Even while the session is live, its value does not work against the API directly.
    const asBearer = await fetch(`${dash.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${cookie.value}` } });
    expect(asBearer.status).toBe(401);

    await page.click('button:has-text("Sign out")');
    await page.waitForURL(/\/login\?signedOut=1$/);
    expect(await dash.platform.platform.knex('sessions')).toHaveLength(0);

    // The attacker kept the cookie and replays it.
    const thief = await browserAt('198.51.100.23');
    await thief.context.addCookies([{ ...cookie }]);
    await thief.page.goto(`${dash.baseUrl}/stores`);
    await thief.page.waitForURL(/\/login/);
    expect(await thief.page.locator('h1').textContent()).toBe('Sign in');
    await context.close();
    await thief.context.close();
  });

  it('ten wrong sign-ins from an attacker’s browser do not lock the victim out of the dashboard, and the audit trail names each browser', async () => {
    const attacker = await browserAt('198.51.100.99');
    for (let i = 0; i < 10; i++) {
      await attacker.signIn('victim@example.com', `not the password ${i}`);
      await attacker.page.locator('.alert.error').waitFor();
    }
    await attacker.signIn('victim@example.com', PASSWORD);
    await attacker.page.locator('.alert.error').waitFor();
    expect(await attacker.page.locator('.alert.error').textContent()).toMatch(/Too many failed sign-ins/);

    const victim = await browserAt('203.0.113.40');
    await victim.signIn('victim@example.com', PASSWORD);
    await victim.page.waitForURL(`${dash.baseUrl}/stores`);

    const rows = await dash.platform.platform.knex('audit_events').where({ action: 'auth.login', identity: 'victim@example.com' }).whereNot('source_ip', 'like', '%127.0.0.1%').select('source_ip', 'outcome');
    expect(rows.filter((r) => r.outcome === 'failure').every((r) => r.source_ip === '198.51.100.99')).toBe(true);
    expect(rows.filter((r) => r.outcome === 'success').map((r) => r.source_ip)).toContain('203.0.113.40');
    await attacker.context.close();
    await victim.context.close();
  });

  it('a password change on the Account page signs out the user’s other browser (the attacker’s too)', async () => {
    await dash.platform.signUp('changer@example.com', PASSWORD);
    const mine = await browserAt('203.0.113.60');
    await mine.signIn('changer@example.com', PASSWORD);
    await mine.page.waitForURL(`${dash.baseUrl}/stores`);
    const other = await browserAt('198.51.100.61');
    await other.signIn('changer@example.com', PASSWORD);
    await other.page.waitForURL(`${dash.baseUrl}/stores`);

    await mine.page.click('nav a:has-text("Account")');
    await mine.page.waitForURL(`${dash.baseUrl}/account`);
    await mine.page.fill('#current-password', 'not my password');
    await mine.page.fill('#new-password', 'a fresh long password');
    await mine.page.click('button:has-text("Change password")');
    await mine.page.locator('#current-password-error').waitFor();
    await mine.page.fill('#current-password', PASSWORD);
    await mine.page.fill('#new-password', 'a fresh long password');
    await mine.page.click('button:has-text("Change password")');
    expect(await mine.page.getByTestId('password-changed').textContent()).toContain('One other session was signed out');

    await other.page.goto(`${dash.baseUrl}/stores`);
    await other.page.waitForURL(/\/login/);
    await mine.page.goto(`${dash.baseUrl}/stores`);
    await mine.page.waitForURL(`${dash.baseUrl}/stores`); // still signed in where the change was made
    await other.signIn('changer@example.com', 'a fresh long password');
    await other.page.waitForURL(`${dash.baseUrl}/stores`);
    await mine.context.close();
    await other.context.close();
  });

  it('a ?next= with a tab or newline falls back to / after sign-in (no 500)', async () => {
    for (const next of ['%09', '/stores%0A', '/%0D%0ASet-Cookie:%20x=1']) {
      const b = await browserAt('203.0.113.41');
      const responses: number[] = [];
      b.page.on('response', (r) => responses.push(r.status()));
      await b.signIn('victim@example.com', PASSWORD, `?next=${next}`);
      await b.page.waitForURL(`${dash.baseUrl}/stores`);
      expect(responses.filter((s) => s >= 500)).toEqual([]);
      expect((await b.context.cookies()).some((c) => c.name === 'x')).toBe(false);
      await b.context.close();
    }
  });
});
