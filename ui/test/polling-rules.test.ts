import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/lib/backoff-delay.ts';
import { PHASE_WORDS, phaseWords } from '../src/lib/phase-words.ts';
import { isTransient } from '../src/lib/types.ts';
import { isTransient as lifecycleIsTransient, PHASES_OF, STORE_STATUSES } from '../../api/src/features/stores/store-lifecycle.ts';
import { STORE_PHASES } from '../../api/src/features/stores/store-lifecycle.ts';
import { pollSettings } from '../src/lib/server/poll-settings.ts';
import { apiBaseUrl } from '../src/lib/server/api-base-url.ts';
import { safeNext } from '../src/lib/server/sign-in.ts';

describe('dashboard polling and session rules', () => {
  it('retries after 1, 2, 4 s, then every 5 s at most, so the page recovers within seconds of the server’s return', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((f) => backoffDelay(f, 5000, 60_000))).toEqual([5000, 1000, 2000, 4000, 5000, 5000, 5000]);
    // A short cadence starts at itself; a cap below the ceiling is kept.
    expect([1, 2, 3, 4].map((f) => backoffDelay(f, 250, 1500))).toEqual([250, 500, 1000, 1500]);
  });

  it('spreads reconnects of many tabs over ±20 %', () => {
    expect(backoffDelay(4, 5000, 60_000, 0)).toBe(4000);
    expect(backoffDelay(4, 5000, 60_000, 1)).toBe(6000);
    expect(backoffDelay(0, 5000, 60_000, 1)).toBe(5000);
  });

  it('polls every 5 s while a store changes, every 30 s once settled, with a 60 s cap unless configured, and never faster than 100 ms', () => {
    expect(pollSettings({})).toEqual({ intervalMs: 5000, slowIntervalMs: 30_000, maxIntervalMs: 60_000 });
    expect(pollSettings({ DASHBOARD_POLL_INTERVAL_MS: '250', DASHBOARD_SLOW_POLL_INTERVAL_MS: '500', DASHBOARD_POLL_MAX_INTERVAL_MS: '1000' })).toEqual({ intervalMs: 250, slowIntervalMs: 500, maxIntervalMs: 1000 });
    expect(pollSettings({ DASHBOARD_POLL_INTERVAL_MS: '5', DASHBOARD_POLL_MAX_INTERVAL_MS: 'soon' })).toEqual({ intervalMs: 5000, slowIntervalMs: 30_000, maxIntervalMs: 60_000 });
    // The settled cadence is never faster than the changing one, and the cap never below either.
    expect(pollSettings({ DASHBOARD_POLL_INTERVAL_MS: '2000', DASHBOARD_SLOW_POLL_INTERVAL_MS: '1000', DASHBOARD_POLL_MAX_INTERVAL_MS: '1500' })).toEqual({ intervalMs: 2000, slowIntervalMs: 2000, maxIntervalMs: 2000 });
  });

  it('has words for every phase of the store lifecycle, and for no phase it does not know', () => {
    expect(Object.keys(PHASE_WORDS).sort()).toEqual([...STORE_PHASES].sort());
    for (const phase of STORE_PHASES) expect(PHASE_WORDS[phase].length).toBeGreaterThan(0);
  });

  it('polls a store that is pausing or resuming fast, a paused one slowly, as the lifecycle says', () => {
    expect(isTransient({ status: 'Suspended', phase: 'suspending' })).toBe(true);
    expect(isTransient({ status: 'Suspended', phase: 'resuming' })).toBe(true);
    expect(isTransient({ status: 'Suspended', phase: 'suspended' })).toBe(false);
    expect(isTransient({ status: 'Suspended', phase: 'degraded' })).toBe(false);
    for (const status of STORE_STATUSES) for (const phase of PHASES_OF[status]) expect(isTransient({ status, phase }), `${status}/${phase}`).toBe(lifecycleIsTransient({ status, phase }));
    expect(phaseWords('suspended')).toBe('Paused');
  });

  it('says each phase in words and shows an unknown phase as it is', () => {
    expect(phaseWords('committing')).toBe('Committing to Git');
    expect(phaseWords('syncing')).toBe('Syncing with Argo CD');
    expect(phaseWords('progressing')).toBe('Starting WordPress and MySQL');
    expect(phaseWords('warming caches')).toBe('Warming caches');
  });

  it('reaches the API on the listener the request came in on, unless DASHBOARD_API_URL says otherwise', () => {
    const req = (localAddress: string, localPort: number) => ({ socket: { localAddress, localPort } }) as never;
    expect(apiBaseUrl(req('127.0.0.1', 8080), {})).toBe('http://127.0.0.1:8080');
    expect(apiBaseUrl(req('::ffff:10.1.2.3', 9000), {})).toBe('http://10.1.2.3:9000');
    expect(apiBaseUrl(req('::1', 9000), {})).toBe('http://[::1]:9000');
    expect(apiBaseUrl(req('127.0.0.1', 8080), { DASHBOARD_API_URL: 'http://api.internal:8080' })).toBe('http://api.internal:8080');
  });

  it('only follows sign-in to a path of this site', () => {
    expect(safeNext('/stores/abc')).toBe('/stores/abc');
    expect(safeNext('//evil.example/x')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
    for (const bad of ['/stores\t', '/\tevil', '/a\nSet-Cookie: x=1', '/a\r\nb', '/\u0000', '/ /x']) expect(safeNext(bad)).toBe('/');
  });
});
