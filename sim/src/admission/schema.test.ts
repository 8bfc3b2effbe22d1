import { describe, expect, it } from 'vitest';
import { assertValidObject, ObjectInvalidError, validateObject } from './schema.ts';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'store-a', labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'wordpress',
            image: 'wordpress:6',
            ports: [{ containerPort: 8080 }],
            resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: 1, memory: '512Mi' } },
            securityContext: { allowPrivilegeEscalation: false },
            env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          },
        ],
      },
    },
  },
});

describe('validateObject', () => {
  it('accepts a well-formed Deployment', () => {
    expect(validateObject(deployment())).toEqual([]);
  });

  it('rejects a misspelled field the way server-side apply does', () => {
    const d = deployment();
    (d.spec.template.spec.containers[0] as Record<string, unknown>).securityContex = { runAsNonRoot: true };
    expect(validateObject(d)).toEqual(['.spec.template.spec.containers[0].securityContex: field not declared in schema']);
  });

  it('rejects wrong types, bad quantities, missing required fields and unsupported enum values', () => {
    const d = deployment() as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
    d.spec.replicas = 'two';
    const c = d.spec.template.spec.containers[0] as Record<string, unknown>;
    delete c.name;
    c.imagePullPolicy = 'Sometimes';
    c.resources = { requests: { memory: 'lots' } };
    const errors = validateObject(d);
    expect(errors).toContain('.spec.replicas: expected numeric (int or float), got string');
    expect(errors).toContain('spec.template.spec.containers[0].name: Required value');
    expect(errors).toContain(
      'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    );
    expect(errors.some((e) => e.startsWith('.spec.template.spec.containers[0].resources.requests.memory: Invalid value: "lots"'))).toBe(true);
  });

  it('rejects label values that are not strings and names that are not DNS names', () => {
    const errors = validateObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Store_A', labels: { n: 1 } } });
    expect(errors).toContain('.metadata.labels.n: expected string, got number');
    expect(errors.some((e) => e.startsWith('metadata.name: Invalid value: "Store_A": a lowercase RFC 1123 label'))).toBe(true);
  });

  it('validates every core kind the store chart renders', () => {
    const ok = [
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': '2', pods: '10' } } },
      { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' }, automountServiceAccountToken: false },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', stringData: { a: 'b' } },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80, targetPort: 'http' }], selector: { a: 'b' } } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', annotations: { 'cert-manager.io/cluster-issuer': 'le' } }, spec: { ingressClassName: 'traefik', tls: [{ hosts: ['a.example.com'], secretName: 't' }], rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc', port: { number: 80 } } } }] } }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { a: 'b' } } }] }] } },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    ];
    for (const o of ok) expect(validateObject(o), o.kind).toEqual([]);
    const bad = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { rules: [{ host: 'a', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { serviceName: 'svc' } }] } }] } };
    expect(validateObject(bad)).toContain('.spec.rules[0].http.paths[0].backend.serviceName: field not declared in schema');
  });

  it('validates Argo CD Applications against the CRD schema, strictly', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'store-a', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: 'stores',
        source: { repoURL: 'file:///repo.git', path: 'charts/woocommerce-store', targetRevision: 'HEAD', helm: { valueFiles: ['../../stores/a/values.yaml'], ignoreMissingValueFiles: true } },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'store-a' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, retry: { limit: 2 } },
      },
    };
    expect(validateObject(app)).toEqual([]);
    const typo = structuredClone(app) as unknown as { spec: { source: Record<string, unknown>; destination?: unknown } };
    typo.spec.source.targetRevison = 'main';
    delete typo.spec.destination;
    const errors = validateObject(typo);
    expect(errors).toContain('.spec.source.targetRevison: field not declared in schema');
    expect(errors).toContain('spec.destination: Required value');
  });

  it('validates SealedSecrets and AppProjects from their CRDs', () => {
    expect(validateObject({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', namespace: 'n' }, spec: { encryptedData: { a: 'AgB=' }, template: { metadata: { name: 's' } } } })).toEqual([]);
    expect(validateObject({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's' }, spec: { encryptedDta: {} } })).toContain(
      '.spec.encryptedDta: field not declared in schema',
    );
    expect(validateObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'stores' }, spec: { sourceRepos: ['*'], destinations: [{ namespace: 'store-*', server: '*' }], clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] } })).toEqual([]);
  });

  it('validates Traefik Middlewares, CronJobs and PodDisruptionBudgets as a k3s cluster with Traefik would', () => {
    const redirect = { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'redirect-https', namespace: 'n' }, spec: { redirectScheme: { scheme: 'https', permanent: true } } };
    expect(validateObject(redirect)).toEqual([]);
    const hsts = { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'hsts', namespace: 'n' }, spec: { headers: { stsSeconds: 31536000, stsIncludeSubdomains: true, forceSTSHeader: true } } };
    expect(validateObject(hsts)).toEqual([]);
    expect(validateObject({ ...redirect, spec: { redirectScheme: { scheme: 'https', permanant: true } } })).toContain('.spec.redirectScheme.permanant: field not declared in schema');
    expect(validateObject({ ...redirect, spec: { redirectSchema: { scheme: 'https' } } })).toContain('.spec.redirectSchema: field not declared in schema');
    const container = { name: 'cron', image: 'wordpress:cli', command: ['wp', 'cron', 'event', 'run', '--due-now'] };
    expect(validateObject({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'wp-cron' }, spec: { schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } } })).toEqual([]);
    expect(validateObject({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'wp-cron' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { templte: {} } } } })).toContain('.spec.jobTemplate.spec.templte: field not declared in schema');
    expect(validateObject({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'wp' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'wp' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' } })).toEqual([]);
    expect(validateObject({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'wp' }, spec: { maxUnavaliable: 1 } })).toContain('.spec.maxUnavaliable: field not declared in schema');
  });

  it('refuses kinds the cluster has no definition for', () => {
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual(['no matches for kind "Widget" in version "example.com/v1"']);
  });

  it('assertValidObject throws with the API server message', () => {
    const d = deployment() as Record<string, unknown>;
    d.sepc = {};
    expect(() => assertValidObject(d)).toThrow(ObjectInvalidError);
    expect(() => assertValidObject(d)).toThrow('Deployment.apps "web" is invalid: .sepc: field not declared in schema');
  });
});
