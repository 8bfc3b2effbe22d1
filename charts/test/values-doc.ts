/**
 * Reads the `# --` comments of a chart's values.yaml (the helm-docs convention) and renders the chart
 * README's values table from them. `npx node charts/test/values-doc.ts` rewrites the table in
 * charts/woocommerce-store/README.md between the `values:start` / `values:end` markers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ValueDoc {
  /** Path segments from the root, e.g. ["store", "id"]. */
  path: string[];
  description: string;
}

const KEY_LINE = /^(\s*)("[^"]+"|[A-Za-z0-9_.\-/]+):(?:\s|$)/;
const DOC_START = /^(\s*)# -- ?(.*)$/;
const DOC_CONTINUE = /^(\s*)#\s?(.*)$/;

/** The documented values, in file order. */
export function readValueDocs(valuesYaml: string): ValueDoc[] {
  const docs: ValueDoc[] = [];
  const stack: { indent: number; key: string }[] = [];
  let pending: { indent: number; lines: string[] } | undefined;
  for (const line of valuesYaml.split('\n')) {
    const start = DOC_START.exec(line);
    if (start) {
      pending = { indent: start[1]!.length, lines: [start[2]!] };
      continue;
    }
    const cont = DOC_CONTINUE.exec(line);
    if (cont) {
      if (pending && cont[1]!.length === pending.indent) pending.lines.push(cont[2]!.trim());
      continue;
    }
    const key = KEY_LINE.exec(line);
    if (!key) continue;
    const indent = key[1]!.length;
    while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const name = key[2]!.replace(/^"|"$/g, '');
    const path = [...stack.map((s) => s.key), name];
    if (pending && pending.indent === indent) docs.push({ path, description: pending.lines.join(' ').trim() });
    pending = undefined;
    stack.push({ indent, key: name });
  }
  return docs;
}

/** Every leaf of the values (a scalar, a list or an empty map), as path segments. */
export function leafPaths(values: unknown, prefix: string[] = []): string[][] {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return [prefix];
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/** Leaves of the values that no `# --` comment covers (itself or a documented parent map). */
export function undocumentedValues(valuesYaml: string): string[] {
  const docs = readValueDocs(valuesYaml).map((d) => d.path.join('\u0000'));
  return leafPaths(parse(valuesYaml))
    .filter((leaf) => !docs.some((d) => leaf.join('\u0000') === d || leaf.join('\u0000').startsWith(`${d}\u0000`)))
    .map((leaf) => leaf.join('.'));
}

function valueAt(values: unknown, path: readonly string[]): unknown {
  let v = values;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The Markdown table of every documented value: key, type, default, description. */
export function valuesTable(valuesYaml: string): string {
  const values: unknown = parse(valuesYaml);
  const rows = readValueDocs(valuesYaml).map(({ path, description }) => {
    const v = valueAt(values, path);
    return `| \`${path.join('.')}\` | ${typeOf(v)} | \`${cell(JSON.stringify(v))}\` | ${cell(description)} |`;
  });
  return ['| Key | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n');
}

export const VALUES_START = '<!-- values:start (generated from values.yaml by charts/test/values-doc.ts) -->';
export const VALUES_END = '<!-- values:end -->';

/** The README text with its values table replaced by the one generated from values.yaml. */
export function withValuesTable(readme: string, valuesYaml: string): string {
  const start = readme.indexOf(VALUES_START);
  const end = readme.indexOf(VALUES_END);
  if (start < 0 || end < start) throw new Error('README has no values table markers');
  return `${readme.slice(0, start + VALUES_START.length)}\n${valuesTable(valuesYaml)}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const chart = join(import.meta.dirname, '..', 'woocommerce-store');
  const readmePath = join(chart, 'README.md');
  const updated = withValuesTable(readFileSync(readmePath, 'utf8'), readFileSync(join(chart, 'values.yaml'), 'utf8'));
  writeFileSync(readmePath, updated);
  console.log(`updated ${readmePath}`);
}
