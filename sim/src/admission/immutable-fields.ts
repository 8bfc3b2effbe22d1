/**
 * Fields the API server refuses to change on update, with its wording (Kubernetes 1.33,
 * pkg/apis/{batch,apps,core}/validation: ValidateJobUpdate, ValidateDeploymentUpdate,
 * ValidateStatefulSetUpdate, ValidatePersistentVolumeClaimUpdate, ValidateServiceUpdate,
 * ValidateSecretUpdate, ValidateConfigMapUpdate; the PersistentVolumeClaimResize admission plugin).
 *
 * An update is what a client sends merged over the live object (server-side apply keeps fields the
 * applier does not set), so a field absent from `next` counts as unchanged where the server defaults or
 * owns it: a Job's selector, a PVC's volumeName / storageClassName (k3s default class `local-path`) /
 * volumeMode, a Service's clusterIP.
 *
 * Field errors are 422 Invalid, `<Kind>.<group> "<name>" is invalid: <path>: <type>: <detail>`; the
 * resize refusal is 403 Forbidden from admission. Values print as Go's `%#v` does for the ones a chart
 * meets (label selectors, string lists); a pod template prints as `core.PodTemplateSpec{...}` (the real
 * message dumps the whole struct).
 */
import type { KubeObject } from '../cluster-store.ts';
import { formatInvalidObject } from './schema.ts';
import { parseQuantity } from './quantity.ts';
import { allowsExpansion, type StorageClassLookup } from './storage-class.ts';

export interface UpdateRefusal {
  code: 422 | 403;
  reason: 'Invalid' | 'Forbidden';
  message: string;
  /** The field errors (422 only). */
  causes: string[];
}

type Obj = Record<string, unknown>;

/** k3s's default StorageClass (local-path-provisioner), which the DefaultStorageClass admission assigns. */
export const DEFAULT_STORAGE_CLASS = 'local-path';

const IMMUTABLE = 'field is immutable';

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Obj)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Obj)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

function goStrings(list: unknown): string {
  return Array.isArray(list) ? `[]string{${list.map((s) => JSON.stringify(String(s))).join(', ')}}` : '[]string(nil)';
}

/** `%#v` of a metav1.LabelSelector. */
export function goLabelSelector(sel: unknown): string {
  if (!sel || typeof sel !== 'object') return 'null';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const labels = s.matchLabels
    ? `map[string]string{${Object.keys(s.matchLabels)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(s.matchLabels?.[k]))}`)
        .join(', ')}}`
    : 'map[string]string(nil)';
  const exprs = s.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions.map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:${goStrings(e.values)}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`;
}

function spec(o: KubeObject): Obj {
  return (o.spec && typeof o.spec === 'object' ? o.spec : {}) as Obj;
}

function job(old: KubeObject, next: KubeObject): string[] {
  const errors: string[] = [];
  const o = spec(old);
  const n = spec(next);
  if (n.selector !== undefined && !same(n.selector, o.selector)) errors.push(`spec.selector: Invalid value: ${goLabelSelector(n.selector)}: ${IMMUTABLE}`);
  if (!same(n.template, o.template)) errors.push(`spec.template: Invalid value: core.PodTemplateSpec{...}: ${IMMUTABLE}`);
  return errors;
}

function deployment(old: KubeObject, next: KubeObject): string[] {
  const n = spec(next);
  return same(n.selector, spec(old).selector) ? [] : [`spec.selector: Invalid value: ${goLabelSelector(n.selector)}: ${IMMUTABLE}`];
}

const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function statefulSet(old: KubeObject, next: KubeObject): string[] {
  const strip = (s: Obj) => Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
  if (same(strip(spec(old)), strip(spec(next)))) return [];
  return [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ];
}

function storageOf(s: Obj): string | number | undefined {
  return ((s.resources as Obj | undefined)?.requests as Obj | undefined)?.storage as string | number | undefined;
}

function pvc(old: KubeObject, next: KubeObject): string[] {
  const o = spec(old);
  const n = spec(next);
  const bound = old.status?.phase === 'Bound';
  const effective = (s: Obj, base: Obj): Obj => ({
    ...s,
    storageClassName: s.storageClassName ?? base.storageClassName ?? DEFAULT_STORAGE_CLASS,
    volumeMode: s.volumeMode ?? base.volumeMode ?? 'Filesystem',
    volumeName: s.volumeName ?? base.volumeName,
    ...(bound ? { resources: { ...((s.resources as Obj) ?? {}), requests: undefined }, volumeAttributesClassName: undefined } : {}),
  });
  const errors: string[] = [];
  if (!same(effective(o, {}), effective(n, o))) {
    errors.push('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
  }
  const capacity = (old.status?.capacity as Obj | undefined)?.storage ?? storageOf(o);
  const wanted = storageOf(n);
  if (bound && wanted !== undefined && capacity !== undefined && parseQuantity(wanted as string) < parseQuantity(capacity as string)) {
    errors.push('spec.resources.requests.storage: Forbidden: field can not be less than status.capacity');
  }
  return errors;
}

function service(old: KubeObject, next: KubeObject): string[] {
  const o = spec(old);
  const n = spec(next);
  if (o.type === 'ExternalName' || n.type === 'ExternalName') return [];
  const wanted = n.clusterIP as string | undefined;
  // The live clusterIP is allocated at create when the manifest named none: any named one differs from it.
  if (wanted && wanted !== o.clusterIP) return [`spec.clusterIPs[0]: Invalid value: ${goStrings([wanted])}: may not change once set`];
  return [];
}

function immutableData(old: KubeObject, next: KubeObject, keys: string[]): string[] {
  const errors: string[] = [];
  if (old.kind === 'Secret' && (next.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errors.push(`type: Invalid value: ${JSON.stringify(next.type ?? 'Opaque')}: ${IMMUTABLE}`);
  if (old.immutable !== true) return errors;
  if (next.immutable !== true) errors.push('immutable: Forbidden: field is immutable when `immutable` is set');
  for (const k of keys) if (!same(old[k] ?? {}, next[k] ?? {})) errors.push(`${k}: Forbidden: field is immutable when \`immutable\` is set`);
  return errors;
}

/** The field errors of an update of `old` to `next` (same kind and name). */
export function immutableFieldErrors(old: KubeObject, next: KubeObject): string[] {
  switch (`${old.apiVersion}/${old.kind}`) {
    case 'batch/v1/Job':
      return job(old, next);
    case 'apps/v1/Deployment':
      return deployment(old, next);
    case 'apps/v1/StatefulSet':
      return statefulSet(old, next);
    case 'v1/PersistentVolumeClaim':
      return pvc(old, next);
    case 'v1/Service':
      return service(old, next);
    case 'v1/Secret':
      return immutableData(old, next, ['data']);
    case 'v1/ConfigMap':
      return immutableData(old, next, ['data', 'binaryData']);
    default:
      return [];
  }
}

/**
 * The refusal of an update as the API server answers it, or undefined when it is allowed: field errors
 * first (validation), then the PersistentVolumeClaimResize admission plugin, which refuses any growth
 * of a claim whose StorageClass does not allow expansion (k3s local-path does not; without a lookup
 * no class does).
 */
export function checkUpdate(old: KubeObject, next: KubeObject, storageClass?: StorageClassLookup): UpdateRefusal | undefined {
  const causes = immutableFieldErrors(old, next);
  if (causes.length) return { code: 422, reason: 'Invalid', message: formatInvalidObject(next, causes), causes };
  if (old.apiVersion === 'v1' && old.kind === 'PersistentVolumeClaim' && old.status?.phase === 'Bound') {
    const was = storageOf(spec(old));
    const wanted = storageOf(spec(next));
    const className = (spec(old).storageClassName as string | undefined) ?? DEFAULT_STORAGE_CLASS;
    if (was !== undefined && wanted !== undefined && parseQuantity(wanted as string) > parseQuantity(was as string) && !allowsExpansion(storageClass, className)) {
      return {
        code: 403,
        reason: 'Forbidden',
        message: `persistentvolumeclaims ${JSON.stringify(old.metadata.name)} is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
        causes: [],
      };
    }
  }
  return undefined;
}
