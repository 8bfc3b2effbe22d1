/**
 * The sim's health checks and app roll-up against Argo CD v3.5.1's own test data (transcribed in
 * upstream/health-cases.ts), plus objects a check must survive.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/cluster-store.ts';
import { resourceHealth, rollUpHealth } from '../src/health.ts';
import { HEALTH_CASES, ROLL_UP_CASES } from './upstream/health-cases.ts';

describe('resource health agrees with Argo CD v3.5.1 test data', () => {
  it.each(HEALTH_CASES)('$upstream → $status', ({ object, status, message }) => {
    const h = resourceHealth(object as KubeObject);
    expect(h?.status).toBe(status);
    if (message !== undefined) expect(h?.message).toBe(message);
  });
});

describe('app health roll-up agrees with argo-cd controller/health_test.go', () => {
  it.each(ROLL_UP_CASES)('$upstream → $status', ({ entries, status }) => {
    expect(rollUpHealth(entries as { live: KubeObject | undefined }[]).status).toBe(status);
  });
});

describe('resourceHealth on objects a cluster never stores', () => {
  it('does not throw on an object without metadata, status or spec', () => {
    expect(resourceHealth({ apiVersion: 'v1', kind: 'Pod' } as unknown as KubeObject)).toEqual({ status: 'Unknown', message: undefined });
    expect(resourceHealth({ apiVersion: 'apps/v1', kind: 'Deployment' } as unknown as KubeObject)?.status).toBe('Progressing');
    expect(resourceHealth({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: null } as unknown as KubeObject)?.status).toBe('Progressing');
    expect(resourceHealth({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', annotations: { 'autoscaling.alpha.kubernetes.io/conditions': '{not json' } } })?.status).toBe('Progressing');
  });
});
