/**
 * The resource kinds the sim knows: how each maps to a REST resource (group, version, plural), whether
 * it is namespaced, and which schema validates it. A kind missing here is refused as a cluster without
 * its CRD would refuse it.
 */
export interface KindInfo {
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Model name in @kubernetes/client-node (core kinds) — its attributeTypeMap is the schema. */
  clientModel?: string;
  /** CRD file under sim/crds/ whose openAPIV3Schema validates the kind. */
  crd?: string;
  /** kubectl short names, served in discovery. */
  shortNames?: string[];
}

function k(apiVersion: string, kind: string, plural: string, namespaced: boolean, extra: Partial<KindInfo>): KindInfo {
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  return { apiVersion, group, version, kind, plural, namespaced, ...extra };
}

export const KINDS: readonly KindInfo[] = [
  k('v1', 'Namespace', 'namespaces', false, { clientModel: 'V1Namespace', shortNames: ['ns'] }),
  k('v1', 'ResourceQuota', 'resourcequotas', true, { clientModel: 'V1ResourceQuota', shortNames: ['quota'] }),
  k('v1', 'LimitRange', 'limitranges', true, { clientModel: 'V1LimitRange', shortNames: ['limits'] }),
  k('v1', 'ServiceAccount', 'serviceaccounts', true, { clientModel: 'V1ServiceAccount', shortNames: ['sa'] }),
  k('v1', 'Secret', 'secrets', true, { clientModel: 'V1Secret' }),
  k('v1', 'ConfigMap', 'configmaps', true, { clientModel: 'V1ConfigMap', shortNames: ['cm'] }),
  k('storage.k8s.io/v1', 'StorageClass', 'storageclasses', false, { clientModel: 'V1StorageClass', shortNames: ['sc'] }),
  k('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { clientModel: 'V1PersistentVolumeClaim', shortNames: ['pvc'] }),
  k('v1', 'Service', 'services', true, { clientModel: 'V1Service', shortNames: ['svc'] }),
  k('v1', 'Pod', 'pods', true, { clientModel: 'V1Pod', shortNames: ['po'] }),
  k('v1', 'Event', 'events', true, { clientModel: 'CoreV1Event', shortNames: ['ev'] }),
  k('rbac.authorization.k8s.io/v1', 'Role', 'roles', true, { clientModel: 'V1Role' }),
  k('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true, { clientModel: 'V1RoleBinding' }),
  k('apps/v1', 'Deployment', 'deployments', true, { clientModel: 'V1Deployment', shortNames: ['deploy'] }),
  k('apps/v1', 'StatefulSet', 'statefulsets', true, { clientModel: 'V1StatefulSet', shortNames: ['sts'] }),
  k('apps/v1', 'ReplicaSet', 'replicasets', true, { clientModel: 'V1ReplicaSet', shortNames: ['rs'] }),
  k('batch/v1', 'Job', 'jobs', true, { clientModel: 'V1Job' }),
  k('batch/v1', 'CronJob', 'cronjobs', true, { clientModel: 'V1CronJob', shortNames: ['cj'] }),
  k('networking.k8s.io/v1', 'Ingress', 'ingresses', true, { clientModel: 'V1Ingress', shortNames: ['ing'] }),
  k('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', true, { clientModel: 'V1NetworkPolicy', shortNames: ['netpol'] }),
  k('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { clientModel: 'V2HorizontalPodAutoscaler', shortNames: ['hpa'] }),
  k('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { clientModel: 'V1PodDisruptionBudget', shortNames: ['pdb'] }),
  k('bitnami.com/v1alpha1', 'SealedSecret', 'sealedsecrets', true, { crd: 'sealedsecret-crd.yaml' }),
  k('argoproj.io/v1alpha1', 'Application', 'applications', true, { crd: 'argocd-application-crd.yaml', shortNames: ['app', 'apps'] }),
  k('argoproj.io/v1alpha1', 'AppProject', 'appprojects', true, { crd: 'argocd-appproject-crd.yaml', shortNames: ['appproj', 'appprojs'] }),
  k('traefik.io/v1alpha1', 'Middleware', 'middlewares', true, { crd: 'traefik-middleware-crd.yaml' }),
  k('cert-manager.io/v1', 'Certificate', 'certificates', true, { crd: 'cert-manager-certificate-crd.yaml', shortNames: ['cert', 'certs'] }),
];

export function kindInfo(apiVersion: unknown, kind: unknown): KindInfo | undefined {
  return KINDS.find((x) => x.apiVersion === apiVersion && x.kind === kind);
}

export function kindByResource(group: string, version: string, plural: string): KindInfo | undefined {
  return KINDS.find((x) => x.group === group && x.version === version && x.plural === plural);
}
