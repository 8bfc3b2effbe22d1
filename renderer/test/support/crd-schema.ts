import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** A subset of OpenAPI v3 structural schema, as CRDs use it. */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/** The upstream CRDs the repository carries (the sim serves the same files). */
const CRD_DIR = fileURLToPath(new URL('../../../sim/crds/', import.meta.url));

/**
 * Test helper: a STRICT validator for one CRD kind, from the CRD file in sim/crds (or an absolute path).
 * Unlike the API server (which silently prunes unknown fields), it reports them, so a misspelt field
 * name fails the test instead of vanishing in the cluster. Returns the problems ([] = valid).
 */
export function crdValidator(crdFile: string): (obj: unknown) => string[] {
  const path = crdFile.startsWith('/') ? crdFile : `${CRD_DIR}${crdFile}`;
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Record<string, any>);
  const crd = docs.find((d) => d?.kind === 'CustomResourceDefinition');
  const version = crd?.spec?.versions?.find((v: any) => v.storage) ?? crd?.spec?.versions?.[0];
  const schema = version?.schema?.openAPIV3Schema as Schema | undefined;
  if (!schema) throw new Error(`no openAPIV3Schema in ${path}`);
  const apiVersion = `${crd?.spec?.group}/${version.name}`;
  const kind = crd?.spec?.names?.kind as string;
  return (obj) => {
    const problems: string[] = [];
    const o = obj as Record<string, any>;
    if (o?.apiVersion !== apiVersion) problems.push(`apiVersion: expected ${apiVersion}`);
    if (o?.kind !== kind) problems.push(`kind: expected ${kind}`);
    checkMetadata(o?.metadata, problems);
    walk(schema, obj, '', problems);
    return problems;
  };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function checkMetadata(meta: any, problems: string[]): void {
  if (typeof meta?.name !== 'string' || !DNS_SUBDOMAIN.test(meta.name) || meta.name.length > 253) {
    problems.push('metadata.name: not a DNS subdomain');
  }
  if (meta?.namespace !== undefined && !DNS_SUBDOMAIN.test(meta.namespace)) problems.push('metadata.namespace: invalid');
  for (const [k, v] of Object.entries((meta?.labels ?? {}) as Record<string, unknown>)) {
    if (!QUALIFIED_NAME.test(k)) problems.push(`metadata.labels: invalid key ${k}`);
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) problems.push(`metadata.labels.${k}: invalid value`);
  }
  for (const [k, v] of Object.entries((meta?.annotations ?? {}) as Record<string, unknown>)) {
    if (!QUALIFIED_NAME.test(k)) problems.push(`metadata.annotations: invalid key ${k}`);
    if (typeof v !== 'string') problems.push(`metadata.annotations.${k}: not a string`);
  }
  for (const key of Object.keys(meta ?? {})) {
    if (!['name', 'namespace', 'labels', 'annotations', 'finalizers'].includes(key)) {
      problems.push(`metadata.${key}: not expected in a rendered manifest`);
    }
  }
}

function walk(schema: Schema, value: unknown, at: string, problems: string[]): void {
  const here = at === '' ? '(root)' : at;
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) problems.push(`${here}: expected int or string`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${here}: not one of ${JSON.stringify(schema.enum)}`);
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') problems.push(`${here}: expected string`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${here}: expected boolean`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) problems.push(`${here}: expected integer`);
      return;
    case 'number':
      if (typeof value !== 'number') problems.push(`${here}: expected number`);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problems.push(`${here}: expected array`);
        return;
      }
      if (schema.items) value.forEach((item, i) => walk(schema.items as Schema, item, `${at}[${i}]`, problems));
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${here}: expected object`);
        return;
      }
      const obj = value as Record<string, unknown>;
      for (const req of schema.required ?? []) if (!(req in obj)) problems.push(`${here}: missing required ${req}`);
      for (const [key, child] of Object.entries(obj)) {
        const path = at === '' ? key : `${at}.${key}`;
        const prop = schema.properties?.[key];
        if (prop) walk(prop, child, path, problems);
        else if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, child, path, problems);
        else if (schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields']) continue;
        else if (schema.properties && !(at === '' && ['apiVersion', 'kind'].includes(key))) problems.push(`${path}: unknown field`);
      }
      return;
    }
    default:
      return;
  }
}
