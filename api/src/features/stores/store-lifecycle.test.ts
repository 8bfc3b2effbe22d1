import { describe, expect, it } from 'vitest';
import {
  canProvision,
  canRequestDelete,
  canResume,
  canRetry,
  canSuspend,
  isKnownState,
  isRunning,
  isTransient,
  PHASES_OF,
  showsAccess,
} from './store-lifecycle.ts';

const ahead = { generation: 3, committed_generation: 2 };
const even = { generation: 2, committed_generation: 2 };

describe('store lifecycle: Suspended', () => {
  it('knows Suspended with its phases', () => {
    expect(PHASES_OF.Suspended).toEqual(['suspending', 'suspended', 'resuming', 'degraded']);
    expect(isKnownState({ status: 'Suspended', phase: 'suspending' })).toBe(true);
    expect(isKnownState({ status: 'Suspended', phase: 'ready' })).toBe(false);
  });

  it('the committer renders a suspending or resuming store whose generation is ahead, and nothing else of it', () => {
    expect(canProvision({ status: 'Suspended', phase: 'suspending', ...ahead })).toBe(true);
    expect(canProvision({ status: 'Suspended', phase: 'resuming', ...ahead })).toBe(true);
    expect(canProvision({ status: 'Suspended', phase: 'suspended', ...even })).toBe(false);
    expect(canProvision({ status: 'Suspended', phase: 'resuming', ...even })).toBe(false);
  });

  it('a suspended store is not running, can be deleted, is not retried, keeps its URL, and is polled fast only while it changes', () => {
    const s = { status: 'Suspended', phase: 'suspended' } as const;
    expect(isRunning(s)).toBe(false);
    expect(canRequestDelete(s)).toBe(true);
    expect(canRetry(s)).toBe(false);
    expect(showsAccess({ status: 'Suspended', readyAt: new Date() })).toBe(true);
    expect(isTransient(s)).toBe(false);
    expect(isTransient({ status: 'Suspended', phase: 'suspending' })).toBe(true);
  });

  it('suspends a running store; an operator takes over an owner’s hibernation, never the reverse; resumes a suspended one not already resuming', () => {
    const none = { suspendedByKind: null };
    expect(canSuspend({ status: 'Ready', phase: 'ready', ...none }, 'owner')).toBe(true);
    expect(canSuspend({ status: 'Error', phase: 'degraded', ...none }, 'owner')).toBe(true);
    for (const [status, phase] of [
      ['Pending', 'queued'],
      ['Error', 'failed'],
      ['Deleting', 'deleting'],
    ] as const)
      expect(canSuspend({ status, phase, ...none }, 'operator'), `${status}/${phase}`).toBe(false);
    expect(canSuspend({ status: 'Suspended', phase: 'suspended', suspendedByKind: 'owner' }, 'operator')).toBe(true);
    expect(canSuspend({ status: 'Suspended', phase: 'suspended', suspendedByKind: 'owner' }, 'owner')).toBe(false);
    expect(canSuspend({ status: 'Suspended', phase: 'suspended', suspendedByKind: 'operator' }, 'operator')).toBe(false);
    expect(canSuspend({ status: 'Suspended', phase: 'resuming', suspendedByKind: null }, 'operator')).toBe(false);
    expect(canResume({ status: 'Suspended', phase: 'suspending' })).toBe(true);
    expect(canResume({ status: 'Suspended', phase: 'degraded' })).toBe(true);
    expect(canResume({ status: 'Suspended', phase: 'resuming' })).toBe(false);
    expect(canResume({ status: 'Ready', phase: 'ready' })).toBe(false);
  });
});
