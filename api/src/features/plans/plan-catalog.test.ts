import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, SHIPPED_PLANS_FILE } from '../../config/config.ts';
import { parsePlanCatalog, PlanCatalog, PlansFileError } from './plan-catalog.ts';
import { mapApplicationStatus, type StoreView } from '../provisioning/application-status.ts';

const shipped = readFileSync(SHIPPED_PLANS_FILE, 'utf8');
const parse = (text: string, def = 'small') => parsePlanCatalog(text, 'plans.yaml', def);
const problem = (text: string, def = 'small') => {
  try {
    parse(text, def);
  } catch (err) {
    expect(err).toBeInstanceOf(PlansFileError);
    return (err as Error).message;
  }
  throw new Error('expected the plans file to be refused');
};

describe(PlanCatalog.name, () => {
  it('the shipped file has small, medium and large; small renders the chart defaults stores had before plans (the storage quota is the largest plan’s)', () => {
    const plans = parse(shipped);
    expect(plans.list().map((p) => p.name)).toEqual(['small', 'medium', 'large']);
    expect(plans.shapeOf('small')).toEqual({
      name: 'small',
      wordpress: { resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } }, storage: '30Gi' },
      mysql: { resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }, storage: '20Gi' },
      hpaMaxReplicas: 5,
      resourceQuota: { 'requests.cpu': '2', 'requests.memory': '3Gi', 'limits.cpu': '9', 'limits.memory': '5Gi', 'requests.storage': '110Gi', pods: '15' },
      maxVolume: '30Gi',
    });
    expect(plans.shapeOf('large')).toMatchObject({ resourceQuota: { 'requests.storage': '110Gi', pods: '16' }, maxVolume: '60Gi', hpaMaxReplicas: 10 });
  });

  it('refuses a bad file with one line naming the file and the field', () => {
    expect(problem(shipped.replace('cpu: 500m, memory: 512Mi', 'cpu: lots, memory: 512Mi'))).toBe(
      'plans file plans.yaml: plans.medium.wordpress.requests.cpu: not a Kubernetes quantity (e.g. 250m, 1, 512Mi, 20Gi)',
    );
    expect(problem(shipped.replace('requests.cpu: "13"', 'requests.cpu: "3"'))).toBe(
      'plans file plans.yaml: plans.large.resourceQuota.requests.cpu: 3 is less than 11 WordPress pods (hpaMaxReplicas + 1) and MySQL need',
    );
    expect(problem(shipped.replace('units: 2', 'units: 0'))).toMatch(/^plans file plans\.yaml: plans\.medium\.units: /);
    expect(problem(shipped, 'tiny')).toBe('plans file plans.yaml: plans: DEFAULT_PLAN is "tiny", which the file does not define (it has small, medium, large)');
    expect(problem('plans: [')).toMatch(/^plans file plans\.yaml: not valid YAML/);
    for (const msg of [problem('plans: {}'), problem(shipped.replace('  medium:', '  Medium:'))]) expect(msg).not.toContain('\n');
  });

  it('loadConfig reads PLANS_FILE, DEFAULT_PLAN and QUOTA_MODE, and names PLANS_FILE when the file is missing', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://x/y', DEFAULT_PLAN: 'large', QUOTA_MODE: 'units' });
    expect(c.plans.defaultPlan).toBe('large');
    expect(c.quotaMode).toBe('units');
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y', PLANS_FILE: '/nonexistent/plans.yaml' })).toThrow(
      'invalid configuration:\n  PLANS_FILE: plans file /nonexistent/plans.yaml: cannot be read (ENOENT)',
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y', QUOTA_MODE: 'cpus' })).toThrow(/QUOTA_MODE/);
  });
});

describe('the status of a resizing store (mapApplicationStatus)', () => {
  const NEW = 'new-commit';
  const resizing: StoreView = { status: 'Ready', phase: 'resizing', commitSha: NEW, committedAt: new Date() };
  const opts = { now: new Date(), readyTimeoutMs: 60_000, includesCommit: (r: string | undefined) => r === NEW };
  const app = (revision: string, health = 'Healthy', sync = 'Synced', op?: { phase: string; message: string }) => ({
    metadata: { name: 'store-x' },
    status: { sync: { status: sync, revision }, health: { status: health }, ...(op ? { operationState: { ...op, syncResult: { revision } } } : {}) },
  });

  it('stays resizing while the change is not committed, or Argo CD still runs the old commit', () => {
    expect(mapApplicationStatus({ ...resizing, commitSha: 'old', aheadOfGit: true }, app('old'), opts)).toBeUndefined();
    expect(mapApplicationStatus(resizing, app('old'), opts)).toBeUndefined();
    expect(mapApplicationStatus(resizing, app(NEW, 'Progressing', 'Synced'), opts)).toBeUndefined();
    expect(mapApplicationStatus(resizing, app(NEW, 'Progressing', 'Synced'), { ...opts, podDetails: 'store-mysql-abc: ContainerCreating' })).toBeUndefined();
    expect(mapApplicationStatus(resizing, app(NEW, 'Degraded', 'Synced'), { ...opts, podDetails: 'store-mysql-abc: CrashLoopBackOff' })).toMatchObject({
      status: 'Error',
      phase: 'degraded',
    });
  });

  it('becomes Ready/ready once the new commit is Synced and Healthy; a refused sync of it is an Error with Argo CD’s message', () => {
    expect(mapApplicationStatus(resizing, app(NEW), opts)).toEqual({ status: 'Ready', phase: 'ready', reason: 'Resized', message: null });
    const refused = app(NEW, 'Healthy', 'OutOfSync', { phase: 'Failed', message: 'persistentvolumeclaims "store-mysql" is forbidden' });
    expect(mapApplicationStatus(resizing, refused, opts)).toMatchObject({ status: 'Error', phase: 'failed', reason: 'ResizeFailed' });
  });
});
