/**
 * Renders a chart with the real helm binary and returns the parsed objects: the shared helper of the
 * chart tests. helm comes from env HELM_BIN, defaulting to <repo root>/.tools/bin/helm.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** Repository root (this file lives in <root>/charts/test/). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The woocommerce-store chart directory. */
export const storeChartDir = join(repoRoot, 'charts', 'woocommerce-store');

/** The helm binary the tests run. */
export const helmBin = process.env.HELM_BIN ?? join(repoRoot, '.tools', 'bin', 'helm');

/** A rendered Kubernetes object (loosely typed: tests read fields by path). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  /** Chart directory; the store chart by default. */
  chartDir?: string;
  /** Values files, applied in order. */
  valuesFiles?: readonly string[];
  /** `--set-string` pairs. */
  set?: Readonly<Record<string, string>>;
  /** `--set-json` pairs: typed values (numbers, booleans, objects). */
  setJson?: Readonly<Record<string, unknown>>;
  /** Release name; `store` by default. */
  releaseName?: string;
}

/** Thrown when helm exits non-zero; `stderr` holds helm's message. */
export class HelmError extends Error {
  readonly stderr: string;
  constructor(args: readonly string[], stderr: string) {
    super(`helm ${args.join(' ')} failed: ${stderr.trim()}`);
    this.name = 'HelmError';
    this.stderr = stderr;
  }
}

/** Runs helm with the given arguments; resolves to stdout and stderr, rejects with HelmError. */
export async function helm(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(helmBin, [...args], { maxBuffer: 32 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: '/tmp/helm-cache', HELM_CONFIG_HOME: '/tmp/helm-config', HELM_DATA_HOME: '/tmp/helm-data' } });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new HelmError(args, e.stderr || e.message);
  }
}

function valueArgs(options: RenderOptions): string[] {
  const args: string[] = [];
  for (const f of options.valuesFiles ?? []) args.push('--values', f);
  for (const [k, v] of Object.entries(options.set ?? {})) args.push('--set-string', `${k}=${v}`);
  for (const [k, v] of Object.entries(options.setJson ?? {})) args.push('--set-json', `${k}=${JSON.stringify(v)}`);
  return args;
}

/** `helm template` output as text (the exact bytes Argo CD would apply). */
export async function renderChartText(options: RenderOptions = {}): Promise<string> {
  const { stdout } = await helm(['template', options.releaseName ?? 'store', options.chartDir ?? storeChartDir, ...valueArgs(options)]);
  return stdout;
}

/** Parses multi-document YAML into objects, skipping empty documents. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw doc.errors[0];
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

/** `helm template` output as parsed objects. */
export async function renderChart(options: RenderOptions = {}): Promise<K8sObject[]> {
  return parseManifests(await renderChartText(options));
}

/** `helm lint --strict` output; rejects if the chart fails to lint. */
export async function lintChart(options: RenderOptions = {}): Promise<string> {
  const { stdout, stderr } = await helm(['lint', '--strict', options.chartDir ?? storeChartDir, ...valueArgs(options)]);
  return stdout + stderr;
}
