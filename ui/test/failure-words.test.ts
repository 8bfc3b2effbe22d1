import { describe, expect, it } from 'vitest';
import { failureWords, splitCommits } from '../src/lib/failure-words.ts';
import { healthState } from '../src/lib/health-state.ts';

describe('a failed store in words a shop owner understands', () => {
  it.each([
    ['Degraded', 'Your store started but is not running properly'],
    ['SyncFailed', 'could not install your store'],
    ['Timeout', 'took too long to start'],
    ['RetriesExhausted', 'gave up after several tries'],
    ['ConfigurationError', 'problem on the platform’s side'],
  ])('leads with a sentence for %s and keeps the raw text', (reason, words) => {
    const raw = 'one or more objects failed to apply, reason: admission webhook denied (retried 5 times) at 0123456789abcdef0123456789abcdef01234567';
    const w = failureWords(raw, reason);
    expect(w.summary).toContain(words);
    expect(w.summary).not.toContain('0123456');
    expect(w.raw).toBe(raw);
  });

  it('reads the reason from the lifecycle’s own wording when no event says it', () => {
    expect(failureWords('Sync failed: one or more objects failed to apply').summary).toContain('could not install');
    expect(failureWords('Not ready 15 min after the commit: Argo CD reports OutOfSync/Progressing.').summary).toContain('too long');
    expect(failureWords('The store is degraded: wordpress-0 CrashLoopBackOff').summary).toContain('not running properly');
    expect(failureWords('something new').summary).toContain('could not be set up');
    expect(failureWords(null).raw).toBeNull();
  });
});

describe('commit ids on a phone screen', () => {
  it('shows a 40-digit id as 7 digits and keeps the full id', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    expect(splitCommits(`sync to ${sha} failed`)).toEqual([{ text: 'sync to ' }, { text: '0123456', commit: sha }, { text: ' failed' }]);
    expect(splitCommits('no id here')).toEqual([{ text: 'no id here' }]);
    expect(splitCommits('abc1234 short')).toEqual([{ text: 'abc1234 short' }]);
  });
});

describe('the health panel during setup', () => {
  it('says "starting" while the store is Pending, "unhealthy" only once it should be running', () => {
    const unhealthy = { status: 'unhealthy' };
    expect(healthState(unhealthy, 'Pending')).toBe('starting');
    expect(healthState(unhealthy, 'Ready')).toBe('unhealthy');
    expect(healthState(unhealthy, 'Error')).toBe('unhealthy');
    expect(healthState({ status: 'healthy' }, 'Pending')).toBe('healthy');
    expect(healthState(null, 'Ready')).toBe('unhealthy');
  });
});
