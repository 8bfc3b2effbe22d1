import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../cluster-store.ts';
import { admitPod } from './pod-admission.ts';

const pod = (resources?: Record<string, Record<string, string>>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 's' },
  spec: { containers: [{ name: 'wordpress', image: 'w', ...(resources ? { resources } : {}) }] },
});
const quota = (hard: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute', namespace: 's' }, spec: { hard } });
const limitRange: KubeObject = {
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'lr', namespace: 's' },
  spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' }, max: { cpu: '2' } }] },
};
const ctx = (over: Partial<Parameters<typeof admitPod>[1]> = {}) => ({ namespaceLabels: {}, limitRanges: [], resourceQuotas: [], pods: [], ...over });

describe('admitPod', () => {
  it('refuses a pod without requests when a quota covers cpu/memory', () => {
    const r = admitPod(pod(), ctx({ resourceQuotas: [quota({ 'requests.cpu': '1', 'limits.memory': '1Gi' })] }));
    expect(r).toEqual({ allowed: false, message: 'pods "web-1" is forbidden: failed quota: compute: must specify limits.memory for: wordpress; requests.cpu for: wordpress' });
  });

  it('fills LimitRange defaults, which then satisfy the quota', () => {
    const r = admitPod(pod(), ctx({ limitRanges: [limitRange], resourceQuotas: [quota({ 'requests.cpu': '1' })] }));
    expect(r.allowed).toBe(true);
    if (r.allowed) expect(r.object.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  });

  it('refuses a pod over the quota totals with used and limited amounts', () => {
    const running = { ...pod({ requests: { cpu: '800m' } }), status: { phase: 'Running' } };
    const r = admitPod(pod({ requests: { cpu: '500m' } }), ctx({ resourceQuotas: [quota({ 'requests.cpu': '1' })], pods: [running] }));
    expect(r).toEqual({ allowed: false, message: 'pods "web-1" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=800m, limited: requests.cpu=1' });
  });

  it('refuses a container over the LimitRange maximum', () => {
    const r = admitPod(pod({ limits: { cpu: '4' } }), ctx({ limitRanges: [limitRange] }));
    expect(r).toEqual({ allowed: false, message: 'pods "web-1" is forbidden: maximum cpu usage per Container is 2, but limit is 4' });
  });

  it('enforces Pod Security only where the namespace label asks for it', () => {
    expect(admitPod(pod(), ctx()).allowed).toBe(true);
    const r = admitPod(pod(), ctx({ namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' } }));
    expect(r.allowed).toBe(false);
    if (!r.allowed) expect(r.message).toMatch(/^pods "web-1" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  });
});
