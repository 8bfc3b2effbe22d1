import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../cluster-store.ts';
import { checkUpdate } from './immutable-fields.ts';
import { admitPersistentVolumeClaimUpdate } from './pod-admission.ts';

const obj = (apiVersion: string, kind: string, body: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns' },
  ...body,
  ...(status ? { status } : {}),
});

describe('checkUpdate (the API server refusing changes to immutable fields)', () => {
  it('Deployment: a changed selector is 422 with the selector printed as Go prints it', () => {
    const old = obj('apps/v1', 'Deployment', { spec: { selector: { matchLabels: { app: 'web' } } } });
    const next = obj('apps/v1', 'Deployment', { spec: { selector: { matchLabels: { app: 'web', tier: 'front' } }, replicas: 3 } });
    expect(checkUpdate(old, next)).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'Deployment.apps "x" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"front"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    });
    expect(checkUpdate(old, obj('apps/v1', 'Deployment', { spec: { selector: { matchLabels: { app: 'web' } }, replicas: 3 } }))).toBeUndefined();
  });

  it('Job: selector and template are immutable; a selector the server generated stays when the applier leaves it out', () => {
    const old = obj('batch/v1', 'Job', { spec: { selector: { matchLabels: { 'controller-uid': 'u' } }, template: { spec: { containers: [{ name: 'a', image: 'i:1' }] } } } });
    expect(checkUpdate(old, obj('batch/v1', 'Job', { spec: { template: { spec: { containers: [{ name: 'a', image: 'i:1' }] } } } }))).toBeUndefined();
    expect(checkUpdate(old, obj('batch/v1', 'Job', { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'a', image: 'i:2' }] } } } }))?.message).toBe(
      'Job.batch "x" is invalid: [spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable, spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable]',
    );
  });

  it('StatefulSet: only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds may change', () => {
    const spec = { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: {}, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }] };
    const old = obj('apps/v1', 'StatefulSet', { spec });
    expect(checkUpdate(old, obj('apps/v1', 'StatefulSet', { spec: { ...spec, replicas: 2, template: { metadata: { labels: { a: 'b' } } } } }))).toBeUndefined();
    expect(checkUpdate(old, obj('apps/v1', 'StatefulSet', { spec: { ...spec, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '2Gi' } } } }] } }))?.message).toBe(
      "StatefulSet.apps \"x\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    );
  });

  it('PVC: storageClassName and accessModes are immutable (the default class counts as set), storage cannot shrink, and local-path cannot grow', () => {
    const bound = { phase: 'Bound', capacity: { storage: '10Gi' } };
    const pvc = (spec: Record<string, unknown>) => obj('v1', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, ...spec } }, bound);
    const old = pvc({});
    expect(checkUpdate(old, pvc({ storageClassName: 'local-path' }))).toBeUndefined();
    expect(checkUpdate(old, pvc({ storageClassName: 'fast' }))?.message).toBe(
      'PersistentVolumeClaim "x" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    );
    expect(checkUpdate(old, pvc({ accessModes: ['ReadWriteMany'] }))?.code).toBe(422);
    expect(checkUpdate(old, pvc({ resources: { requests: { storage: '5Gi' } } }))?.message).toBe(
      'PersistentVolumeClaim "x" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
    );
    expect(checkUpdate(old, pvc({ resources: { requests: { storage: '20Gi' } } }))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'persistentvolumeclaims "x" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    });
  });

  it('Service: a clusterIP, once set (or allocated), may not change', () => {
    const old = obj('v1', 'Service', { spec: { ports: [{ port: 80 }] } });
    expect(checkUpdate(old, obj('v1', 'Service', { spec: { ports: [{ port: 8080 }] } }))).toBeUndefined();
    expect(checkUpdate(old, obj('v1', 'Service', { spec: { clusterIP: 'None', ports: [{ port: 80 }] } }))?.message).toBe(
      'Service "x" is invalid: spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set',
    );
    const headless = obj('v1', 'Service', { spec: { clusterIP: 'None' } });
    expect(checkUpdate(headless, obj('v1', 'Service', { spec: { clusterIP: 'None', ports: [{ port: 81 }] } }))).toBeUndefined();
  });

  it('Secret / ConfigMap with immutable: true keep their data and the flag; a Secret keeps its type', () => {
    const secret = obj('v1', 'Secret', { immutable: true, type: 'Opaque', data: { a: 'MQ==' } });
    expect(checkUpdate(secret, obj('v1', 'Secret', { immutable: true, type: 'Opaque', data: { a: 'MQ==' }, metadata: { name: 'x', labels: { l: '1' } } }))).toBeUndefined();
    expect(checkUpdate(secret, obj('v1', 'Secret', { type: 'Opaque', data: { a: 'Mg==' } }))?.message).toBe(
      'Secret "x" is invalid: [immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field is immutable when `immutable` is set]',
    );
    expect(checkUpdate(obj('v1', 'Secret', { type: 'Opaque' }), obj('v1', 'Secret', { type: 'kubernetes.io/tls' }))?.message).toBe('Secret "x" is invalid: type: Invalid value: "kubernetes.io/tls": field is immutable');
    const cm = obj('v1', 'ConfigMap', { immutable: true, binaryData: { b: 'AA==' } });
    expect(checkUpdate(cm, obj('v1', 'ConfigMap', { immutable: true, binaryData: { b: 'AQ==' } }))?.message).toBe('ConfigMap "x" is invalid: binaryData: Forbidden: field is immutable when `immutable` is set');
    expect(checkUpdate(obj('v1', 'ConfigMap', { data: { a: '1' } }), obj('v1', 'ConfigMap', { data: { a: '2' } }))).toBeUndefined();
  });

  describe('resizing a store (plans): what Kubernetes 1.33 refuses', () => {
    // Upstream wording: pkg/apis/apps/validation ValidateStatefulSetUpdate; pkg/apis/core/validation
    // ValidatePersistentVolumeClaimUpdate (RecoverVolumeExpansionFailure, beta and on by default in 1.32–1.33,
    // GA in 1.34: a request may not go below status.capacity; before it the wording was "previous value");
    // plugin/pkg/admission/storage/persistentvolume/resize.
    const bound = { phase: 'Bound', capacity: { storage: '20Gi' } };
    const claim = (storage: string, storageClassName?: string) =>
      obj('v1', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...(storageClassName ? { storageClassName } : {}) } }, bound);
    const expandable = obj('storage.k8s.io/v1', 'StorageClass', { provisioner: 'driver.longhorn.io', allowVolumeExpansion: true });
    const classes = (name: string) => (name === 'longhorn' ? expandable : name === 'local-path' ? obj('storage.k8s.io/v1', 'StorageClass', { provisioner: 'rancher.io/local-path' }) : undefined);

    it('a claim grows when its StorageClass has allowVolumeExpansion, and never on local-path or an unknown class', () => {
      expect(checkUpdate(claim('20Gi', 'longhorn'), claim('50Gi', 'longhorn'), classes)).toBeUndefined();
      expect(checkUpdate(claim('20Gi'), claim('50Gi'), classes)).toMatchObject({ code: 403, reason: 'Forbidden' });
      expect(checkUpdate(claim('20Gi', 'nfs'), claim('50Gi', 'nfs'), classes)?.code).toBe(403);
    });

    it('a claim never shrinks below its capacity, even on a class that expands', () => {
      expect(checkUpdate(claim('20Gi', 'longhorn'), claim('10Gi', 'longhorn'), classes)).toMatchObject({
        code: 422,
        message: 'PersistentVolumeClaim "x" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
      });
    });

    it('a claim’s growth is charged against the live ResourceQuota (requests.storage), as the quota evaluator does on update', () => {
      const quota = obj('v1', 'ResourceQuota', { metadata: { name: 'store-quota', namespace: 'ns' }, spec: { hard: { 'requests.storage': '50Gi' } } });
      const other = { ...claim('30Gi', 'longhorn'), metadata: { name: 'other', namespace: 'ns' } };
      expect(admitPersistentVolumeClaimUpdate(claim('20Gi', 'longhorn'), claim('40Gi', 'longhorn'), [quota], [claim('20Gi', 'longhorn'), other])).toBe(
        'persistentvolumeclaims "x" is forbidden: exceeded quota: store-quota, requested: requests.storage=20Gi, used: requests.storage=50Gi, limited: requests.storage=50Gi',
      );
      const roomy = { ...quota, spec: { hard: { 'requests.storage': '110Gi' } } };
      expect(admitPersistentVolumeClaimUpdate(claim('20Gi', 'longhorn'), claim('40Gi', 'longhorn'), [roomy], [claim('20Gi', 'longhorn'), other])).toBeUndefined();
      expect(admitPersistentVolumeClaimUpdate(claim('20Gi', 'longhorn'), claim('20Gi', 'longhorn'), [quota], [claim('20Gi', 'longhorn'), other])).toBeUndefined();
    });

    it('a StatefulSet whose volumeClaimTemplates change is refused, whatever the class allows', () => {
      const sts = (storage: string) =>
        obj('apps/v1', 'StatefulSet', {
          spec: { serviceName: 'mysql', selector: { matchLabels: { app: 'mysql' } }, template: {}, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'longhorn', resources: { requests: { storage } } } }] },
        });
      const refused = checkUpdate(sts('20Gi'), sts('50Gi'), classes);
      expect(refused?.code).toBe(422);
      expect(refused?.message).toMatch(/spec: Forbidden: updates to statefulset spec for fields other than 'replicas', .* are forbidden$/);
    });
  });
});
