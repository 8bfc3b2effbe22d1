import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../cluster-store.ts';
import { admitObjectCount } from './object-count-quota.ts';

const svc = (name: string, type?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 's' }, spec: { ...(type ? { type } : {}), ports: [{ port: 80 }] } });
const quota: KubeObject = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'store-quota', namespace: 's' }, spec: { hard: { services: '2', 'services.loadbalancers': '0', 'count/ingresses.networking.k8s.io': '1' } } };

describe('admitObjectCount', () => {
  it('admits objects under the counts and refuses the one over, in the API server wording', () => {
    expect(admitObjectCount(svc('a'), [quota], [svc('b')])).toBeUndefined();
    expect(admitObjectCount(svc('c'), [quota], [svc('a'), svc('b')])).toBe(
      'services "c" is forbidden: exceeded quota: store-quota, requested: services=1, used: services=2, limited: services=2',
    );
  });

  it('counts load balancers and count/<resource>.<group> keys', () => {
    expect(admitObjectCount(svc('lb', 'LoadBalancer'), [quota], [])).toBe(
      'services "lb" is forbidden: exceeded quota: store-quota, requested: services.loadbalancers=1, used: services.loadbalancers=0, limited: services.loadbalancers=0',
    );
    const ing = (name: string): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 's' } });
    expect(admitObjectCount(ing('one'), [quota], [])).toBeUndefined();
    expect(admitObjectCount(ing('two'), [quota], [ing('one')])).toMatch(/^ingresses\.networking\.k8s\.io "two" is forbidden: exceeded quota: store-quota, requested: count\/ingresses\.networking\.k8s\.io=1/);
  });
});
