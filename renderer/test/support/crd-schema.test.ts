import { describe, expect, it } from 'vitest';
import { crdValidator } from './crd-schema.ts';

describe(crdValidator.name, () => {
  const validate = crdValidator('argocd-application-crd.yaml');
  const valid = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'x', namespace: 'argocd', labels: { 'a.io/b': 'c' } },
    spec: { project: 'p', destination: { server: 'https://kubernetes.default.svc' }, source: { repoURL: 'r' } },
  };

  it('accepts a minimal valid Application', () => {
    expect(validate(valid)).toEqual([]);
  });

  it('reports a misspelt field that the API server would silently prune', () => {
    const app = structuredClone(valid) as any;
    app.spec.source.helm = { ignoreMissingValueFile: true };
    expect(validate(app)).toEqual(['spec.source.helm.ignoreMissingValueFile: unknown field']);
  });

  it('reports wrong types, missing required fields and invalid label values', () => {
    const app = structuredClone(valid) as any;
    app.spec.syncPolicy = { retry: { limit: '5' } };
    delete app.spec.destination;
    app.metadata.labels['a.io/b'] = 'not a label value';
    expect(validate(app).sort()).toEqual([
      'metadata.labels.a.io/b: invalid value',
      'spec.syncPolicy.retry.limit: expected integer',
      'spec: missing required destination',
    ]);
  });
});
