import { describe, expect, it } from 'vitest';
import type { KubeObject } from './cluster-store.ts';
import { resourceHealth, rollUpHealth } from './health.ts';

const deploy = (status: Record<string, unknown>, generation = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', generation },
  spec: { replicas: 1 },
  status: { observedGeneration: 1, ...status },
});

describe('resourceHealth (Argo CD rules)', () => {
  it('Deployment: Progressing until available, Degraded past the progress deadline, Healthy when available', () => {
    expect(resourceHealth(deploy({ updatedReplicas: 1, replicas: 1 }))?.status).toBe('Progressing');
    expect(resourceHealth(deploy({ updatedReplicas: 1, replicas: 1, availableReplicas: 1 }))?.status).toBe('Healthy');
    expect(resourceHealth(deploy({}, 2))?.message).toBe('Waiting for rollout to finish: observed deployment generation less than desired generation');
    expect(resourceHealth(deploy({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }))).toEqual({
      status: 'Degraded',
      message: 'Deployment "web" exceeded its progress deadline',
    });
  });

  it('scaled to zero (a suspended store): a Deployment and a StatefulSet at replicas 0 with no pod are Healthy, as in gitops-engine health_deployment.go / health_statefulset.go', () => {
    const zero = (kind: 'Deployment' | 'StatefulSet'): KubeObject => ({
      apiVersion: 'apps/v1',
      kind,
      metadata: { name: 'web', generation: 2 },
      spec: { replicas: 0 },
      status: { observedGeneration: 2, replicas: 0, updatedReplicas: 0, currentRevision: 'web-1', updateRevision: 'web-1' },
    });
    expect(resourceHealth(zero('Deployment'))?.status).toBe('Healthy');
    expect(resourceHealth(zero('StatefulSet'))?.status).toBe('Healthy');
    // …but not before the controller has seen the scale-down, nor while an old pod is still terminating
    expect(resourceHealth({ ...zero('Deployment'), status: { observedGeneration: 1 } })?.status).toBe('Progressing');
    expect(resourceHealth({ ...zero('Deployment'), status: { observedGeneration: 2, replicas: 1, updatedReplicas: 0 } })?.status).toBe('Progressing');
  });

  it('Job: Degraded when Failed, Healthy when Complete', () => {
    const job = (type: string): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: { conditions: [{ type, status: 'True', message: 'm' }] } });
    expect(resourceHealth(job('Failed'))?.status).toBe('Degraded');
    expect(resourceHealth(job('Complete'))?.status).toBe('Healthy');
  });

  it('has no health for kinds without a check, Missing for absent resources, worst wins', () => {
    expect(resourceHealth({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toBeUndefined();
    const ingressPending: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' } };
    // Argo CD >= 3.4: a missing resource does not make the app Missing while others are live…
    expect(rollUpHealth([{ live: ingressPending }, { live: undefined }]).status).toBe('Progressing');
    // …only when none is.
    expect(rollUpHealth([{ live: undefined }, { live: undefined }]).status).toBe('Missing');
    expect(rollUpHealth([{ live: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } } }]).status).toBe('Healthy');
    const ss: KubeObject = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', generation: 1 }, status: { observedGeneration: 1, conditions: [{ type: 'Synced', status: 'False', message: 'no key could decrypt secret (a)' }] } };
    expect(rollUpHealth([{ live: ingressPending }, { live: ss }, { live: undefined }])).toEqual({ status: 'Degraded', message: 'no key could decrypt secret (a)' });
  });
});
