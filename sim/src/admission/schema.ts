/**
 * Strict schema validation of a Kubernetes object, as the API server does it for server-side apply with
 * field validation "Strict": unknown or misspelled fields are refused (kubernetes-models' own validate
 * lets them through), types are checked, required fields and enums enforced.
 *
 * - Core kinds: the field set and types come from @kubernetes/client-node's generated models (their
 *   `attributeTypeMap` mirrors the Kubernetes OpenAPI document); required fields and enums from
 *   kubernetes-models' validators.
 * - Custom resources (SealedSecret, Argo CD Application/AppProject, cert-manager Certificate): the CRD's
 *   openAPIV3Schema (copies in sim/crds/) compiled with ajv, with `additionalProperties: false` added
 *   wherever the schema lists properties and does not say `x-kubernetes-preserve-unknown-fields`.
 *
 * Messages follow the API server's wording:
 *   .spec.template.spec.containers[0].securityContex: field not declared in schema
 *   spec.template.spec.containers[0].name: Required value
 *   spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import * as coreV1 from 'kubernetes-models/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as policyV1 from 'kubernetes-models/policy/v1';
import { isQuantity } from './quantity.ts';
import { kindInfo, type KindInfo } from '../kinds.ts';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

type ModelClass = { getAttributeTypeMap(): Attribute[] };

const models = k8s as unknown as Record<string, ModelClass | undefined>;

/** String-typed fields (`Model.attr`) whose values are quantities (numbers allowed, format checked). */
const QUANTITY_FIELDS = new Set(['V1EmptyDirVolumeSource.sizeLimit', 'V2MetricTarget.averageValue', 'V2MetricTarget.value']);
/** String-map fields whose values are quantities. */
const QUANTITY_MAPS = new Set([
  'V1ResourceRequirements.limits',
  'V1ResourceRequirements.requests',
  'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests',
  'V1ResourceQuotaSpec.hard',
  'V1LimitRangeItem.default',
  'V1LimitRangeItem.defaultRequest',
  'V1LimitRangeItem.max',
  'V1LimitRangeItem.min',
  'V1LimitRangeItem.maxLimitRequestRatio',
]);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

function fieldPath(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

type Kind = 'string' | 'quantity';

function walk(value: unknown, type: string, path: string, errors: string[], scalar: Kind = 'string', format = ''): void {
  if (value === null || value === undefined) return;
  if (type === 'any') return;
  if (type === 'string' || type === 'Date') {
    if (scalar === 'quantity') {
      if (!isQuantity(value)) {
        errors.push(`${path}: Invalid value: ${JSON.stringify(value)}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
      }
      return;
    }
    if (typeof value !== 'string') errors.push(`${path}: expected string, got ${describe(value)}`);
    return;
  }
  if (type === 'number') {
    if (typeof value !== 'number') errors.push(`${path}: expected numeric (int or float), got ${describe(value)}`);
    else if ((format === 'int32' || format === 'int64') && !Number.isInteger(value)) {
      errors.push(`${path}: expected integer, got float`);
    }
    return;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${path}: expected boolean, got ${describe(value)}`);
    return;
  }
  if (type === 'IntOrString') {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      errors.push(`${path}: expected string or integer, got ${describe(value)}`);
    }
    return;
  }
  const arrayMatch = /^Array<(.+)>$/.exec(type);
  if (arrayMatch) {
    if (!Array.isArray(value)) {
      errors.push(`${path}: expected list, got ${describe(value)}`);
      return;
    }
    value.forEach((item, i) => walk(item, arrayMatch[1] as string, `${path}[${i}]`, errors, scalar));
    return;
  }
  const mapMatch = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (mapMatch) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push(`${path}: expected map, got ${describe(value)}`);
      return;
    }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      walk(v, mapMatch[1] as string, fieldPath(path, key), errors, scalar);
    }
    return;
  }
  const model = models[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function') return; // unknown model type: accept
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push(`${path}: expected map, got ${describe(value)}`);
    return;
  }
  const attrs = model.getAttributeTypeMap();
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const attr = attrs.find((a) => a.baseName === key);
    if (!attr) {
      errors.push(`${fieldPath(path, key)}: field not declared in schema`);
      continue;
    }
    const qualified = `${type}.${attr.name}`;
    const kind: Kind = QUANTITY_FIELDS.has(qualified) || QUANTITY_MAPS.has(qualified) ? 'quantity' : 'string';
    walk(v, attr.type, fieldPath(path, key), errors, kind, attr.format);
  }
}

// ---- required fields and enums, from kubernetes-models -------------------------------------

type Validatable = new (data: unknown) => { validate(): void };

const K8S_MODELS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'networking.k8s.io/v1': networkingV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
  'autoscaling/v2': autoscalingV2,
  'policy/v1': policyV1,
};

interface AjvLikeError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

function dotted(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function apiServerMessage(e: AjvLikeError, value: (path: string) => unknown): string | undefined {
  const at = dotted(e.instancePath);
  if (e.keyword === 'required') {
    const p = at ? `${at}.${String(e.params.missingProperty)}` : String(e.params.missingProperty);
    return `${p}: Required value`;
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    return `${at}: Unsupported value: ${JSON.stringify(value(e.instancePath))}: supported values: ${allowed}`;
  }
  return undefined;
}

function pointer(root: unknown, instancePath: string): unknown {
  let cur: unknown = root;
  for (const seg of instancePath.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function requiredAndEnums(obj: Record<string, unknown>, info: KindInfo): string[] {
  const Cls = K8S_MODELS[info.apiVersion]?.[info.kind] as Validatable | undefined;
  if (!Cls) return [];
  try {
    new Cls(structuredClone(obj)).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvLikeError[] }).errors ?? [];
    return errors
      .map((e) => apiServerMessage(e, (p) => pointer(obj, p)))
      .filter((m): m is string => m !== undefined);
  }
}

// ---- custom resources: CRD openAPIV3Schema with ajv ----------------------------------------

type JsonSchema = Record<string, unknown>;

/** Makes a structural CRD schema strict and ajv-compatible (int-or-string, preserve-unknown-fields). */
export function strictify(schema: JsonSchema, isRoot: boolean): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && v && typeof v === 'object') {
      const props: JsonSchema = {};
      for (const [name, sub] of Object.entries(v as JsonSchema)) {
        // ObjectMeta of a custom resource is validated like a core object's (below), not by the CRD.
        props[name] = isRoot && name === 'metadata' ? {} : strictify(sub as JsonSchema, false);
      }
      out.properties = props;
    } else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && v && typeof v === 'object') {
      out[k] = strictify(v as JsonSchema, false);
    } else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = v.map((s) => strictify(s as JsonSchema, false));
    } else if (!k.startsWith('x-kubernetes-') && k !== 'nullable') {
      out[k] = v;
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (out.properties && out.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

const crdDir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'crds');
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const crdValidators = new Map<string, ValidateFunction>();

function crdValidator(info: KindInfo): ValidateFunction | undefined {
  const key = `${info.apiVersion}/${info.kind}`;
  const cached = crdValidators.get(key);
  if (cached) return cached;
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(crdDir, file), 'utf8'))) {
      const crd = doc.toJS() as {
        spec?: { group?: string; names?: { kind?: string }; versions?: { name: string; schema?: { openAPIV3Schema?: JsonSchema } }[] };
      };
      if (crd?.spec?.group !== info.group || crd.spec.names?.kind !== info.kind) continue;
      const version = crd.spec.versions?.find((v) => v.name === info.version);
      const schema = version?.schema?.openAPIV3Schema;
      if (!schema) continue;
      const validate = ajv.compile(strictify(schema, true));
      crdValidators.set(key, validate);
      return validate;
    }
  }
  return undefined;
}

function crdMessage(e: ErrorObject, root: unknown): string {
  const at = dotted(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return `.${at ? `${at}.` : ''}${String(e.params.additionalProperty)}: field not declared in schema`;
    case 'required':
      return `${at ? `${at}.` : ''}${String(e.params.missingProperty)}: Required value`;
    case 'type': {
      const v = pointer(root, e.instancePath);
      return `${at}: Invalid value: ${JSON.stringify(describe(v))}: ${at} in body must be of type ${String(e.params.type)}: ${JSON.stringify(describe(v))}`;
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return `${at}: Unsupported value: ${JSON.stringify(pointer(root, e.instancePath))}: supported values: ${allowed}`;
    }
    default:
      return `${at}: Invalid value: ${JSON.stringify(pointer(root, e.instancePath))}: ${e.message ?? e.keyword}`;
  }
}

// ---- metadata ------------------------------------------------------------------------------

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kinds whose names must be DNS labels (63 chars), not just subdomains. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

function metadataErrors(obj: Record<string, unknown>, info: KindInfo): string[] {
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object') return ['metadata.name: Required value: name or generateName is required'];
  const errors: string[] = [];
  walk(meta, 'V1ObjectMeta', '.metadata', errors);
  const name = meta.name;
  if (name === undefined && meta.generateName === undefined) {
    errors.push('metadata.name: Required value: name or generateName is required');
  } else if (typeof name === 'string') {
    if (LABEL_NAMED.has(info.kind)) {
      if (!DNS1123_LABEL.test(name) || name.length > 63) {
        errors.push(`metadata.name: Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`);
      }
    } else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
      errors.push(`metadata.name: Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
    }
  }
  if (!info.namespaced && meta.namespace !== undefined && meta.namespace !== '') {
    // The API server ignores a namespace on cluster-scoped objects; not an error.
  }
  return errors;
}

/** Thrown by `assertValidObject`; `errors` holds the individual field errors. */
export class ObjectInvalidError extends Error {
  readonly errors: string[];
  constructor(message: string, errors: string[]) {
    super(message);
    this.name = 'ObjectInvalidError';
    this.errors = errors;
  }
}

/**
 * Validates an object strictly; returns the field errors (empty = valid). An unknown apiVersion/kind
 * yields the API server's "no matches for kind" error.
 */
export function validateObject(obj: unknown): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return ['Object \'Kind\' is missing in object: not a map'];
  const o = obj as Record<string, unknown>;
  if (typeof o.kind !== 'string' || !o.kind) return ["Object 'Kind' is missing"];
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) return ["Object 'apiVersion' is missing"];
  const info = kindInfo(o.apiVersion, o.kind);
  if (!info) return [`no matches for kind "${o.kind}" in version "${o.apiVersion}"`];
  const errors = metadataErrors(o, info);
  if (info.clientModel) {
    const { metadata: _m, ...rest } = o;
    walk(rest, info.clientModel, '', errors);
    errors.push(...requiredAndEnums(o, info));
  } else {
    const validate = crdValidator(info);
    if (validate && !validate(o)) {
      for (const e of validate.errors ?? []) errors.push(crdMessage(e, o));
    }
  }
  return [...new Set(errors)];
}

/**
 * The API server's 422 message for an invalid object, e.g.
 * `Deployment.apps "web" is invalid: spec.replicas: Invalid value: ...` or for unknown fields
 * `.spec.foo: field not declared in schema`.
 */
export function formatInvalidObject(obj: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } }, errors: readonly string[]): string {
  const info = kindInfo(obj.apiVersion, obj.kind);
  const gk = info && info.group ? `${info.kind}.${info.group}` : String(obj.kind);
  return `${gk} ${JSON.stringify(String(obj.metadata?.name ?? ''))} is invalid: ${errors.length > 1 ? `[${errors.join(', ')}]` : errors[0] ?? ''}`;
}

/** Throws ObjectInvalidError with the API server's message when the object is invalid. */
export function assertValidObject(obj: unknown): void {
  const errors = validateObject(obj);
  if (errors.length) throw new ObjectInvalidError(formatInvalidObject(obj as never, errors), errors);
}
