/**
 * Argo CD's repo server, the manifest half: turns an Application source at a checked-out commit into
 * Kubernetes objects, as Argo CD does —
 * - Helm (a path holding Chart.yaml): the real `helm template` binary, release name
 *   `spec.source.helm.releaseName` or the Application name, `--namespace` the destination namespace,
 *   `valueFiles` relative to the chart (missing ones an error unless `ignoreMissingValueFiles`, and
 *   never outside the repository), then `values`/`valuesObject`, then `parameters` as --set;
 *   `--api-versions` of the cluster, `--include-crds`.
 * - Directory: the YAML/JSON files under the path (`recurse`, `include`, `exclude` globs).
 * Errors read like Argo CD's ComparisonError messages.
 *
 * Helm output is cached (RenderCache) by what it depends on — the chart folder's content and the
 * values — as Argo CD's repo-server caches generated manifests (by revision, path and values; with
 * `manifest-generate-paths` a commit outside those paths does not regenerate at all): a commit that
 * touches one store's folder re-renders that store only.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { deepFreeze, type KubeObject } from './cluster-store.ts';
import type { GitRepos } from './git-repos.ts';
import { KINDS } from './kinds.ts';

const run = promisify(execFile);

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export interface AppSource {
  repoURL: string;
  path?: string;
  targetRevision?: string;
  chart?: string;
  helm?: {
    releaseName?: string;
    valueFiles?: string[];
    ignoreMissingValueFiles?: boolean;
    values?: string;
    valuesObject?: Record<string, unknown>;
    parameters?: { name: string; value: string; forceString?: boolean }[];
    skipCrds?: boolean;
    skipTests?: boolean;
    skipSchemaValidation?: boolean;
  };
  directory?: { recurse?: boolean; include?: string; exclude?: string };
}

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export function helmBinary(): string {
  return process.env.HELM_BIN ?? join(REPO_ROOT, '.tools', 'bin', 'helm');
}

/** Argo CD-style glob (`*` within a path segment, `**` across, `{a,b}` alternatives). */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '{') re += '(?:';
    else if (ch === '}') re += ')';
    else if (ch === ',') re += '|';
    else re += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseManifests(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new ManifestError(`failed to unmarshal ${source}: ${doc.errors[0]?.message}`);
    const o = doc.toJS() as KubeObject | null;
    if (o === null || o === undefined) continue;
    if (typeof o !== 'object' || Array.isArray(o)) throw new ManifestError(`failed to unmarshal ${source}: not a Kubernetes object`);
    if (o.kind?.endsWith('List') && Array.isArray((o as { items?: unknown }).items)) out.push(...((o as unknown as { items: KubeObject[] }).items));
    else out.push(o);
  }
  return out;
}

/** Cached `helm template` results, with the counters a benchmark reports (the sim's own cost). */
export class RenderCache {
  readonly #entries = new Map<string, KubeObject[]>();
  readonly #chartHashes = new Map<string, string>();
  readonly #limit: number;
  /** `helm template` processes started. */
  helmRuns = 0;
  /** Renders answered from the cache. */
  hits = 0;
  /** Cumulative wall time inside `helm template` (ms). */
  helmMs = 0;

  constructor(limit = 20_000) {
    this.#limit = limit;
  }

  get(key: string): KubeObject[] | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    this.#entries.delete(key); // least recently used goes first
    this.#entries.set(key, hit);
    this.hits++;
    return hit;
  }

  set(key: string, objects: KubeObject[]): KubeObject[] {
    const frozen = deepFreeze(objects);
    this.#entries.set(key, frozen);
    if (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
    return frozen;
  }

  /** The content hash of a chart folder of a checkout (a checkout never changes: computed once). */
  chartHash(chartDir: string): string {
    let h = this.#chartHashes.get(chartDir);
    if (h) return h;
    const hash = createHash('sha256');
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) hash.update(`${relative(chartDir, p)}\0`).update(readFileSync(p)).update('\0');
      }
    };
    walk(chartDir);
    h = hash.digest('hex');
    this.#chartHashes.set(chartDir, h);
    if (this.#chartHashes.size > 1000) this.#chartHashes.delete(this.#chartHashes.keys().next().value as string);
    return h;
  }

  clear(): void {
    this.#entries.clear();
    this.#chartHashes.clear();
  }
}

export interface RenderInput {
  repos: GitRepos;
  source: AppSource;
  sha: string;
  appName: string;
  namespace: string;
  /** Extra delay ("slow" fault). */
  delayMs?: number;
  /** Helm results by chart content + values; without it every render runs helm. */
  cache?: RenderCache;
}

/** Renders an Application's source at a commit to objects. */
export async function renderManifests(input: RenderInput): Promise<{ objects: KubeObject[]; sourceType: 'Helm' | 'Directory' }> {
  const { repos, source, sha } = input;
  if (input.delayMs) await new Promise((r) => setTimeout(r, input.delayMs));
  if (source.chart) throw new ManifestError('Helm repository charts are not supported by the sim; vendor the chart into the Git repository');
  const root = await repos.checkout(source.repoURL, sha);
  const appPath = resolve(root, source.path ?? '.');
  if (relative(root, appPath).startsWith('..')) throw new ManifestError(`${source.path}: app path is outside the repository`);
  if (!existsSync(appPath)) throw new ManifestError(`${source.path}: app path does not exist`);
  if (existsSync(join(appPath, 'Chart.yaml'))) return { objects: await helmTemplate(root, appPath, input), sourceType: 'Helm' };
  return { objects: await directory(input, root), sourceType: 'Directory' };
}

async function directory(input: RenderInput, root: string): Promise<KubeObject[]> {
  const { source } = input;
  const files = await input.repos.listFiles(source.repoURL, input.sha, source.path ?? '.');
  const include = source.directory?.include ? globToRegExp(source.directory.include) : undefined;
  const exclude = source.directory?.exclude ? globToRegExp(source.directory.exclude) : undefined;
  const out: KubeObject[] = [];
  for (const f of files) {
    if (!/\.(ya?ml|json)$/.test(f)) continue;
    if (!source.directory?.recurse && f.includes('/')) continue;
    if (include && !include.test(f)) continue;
    if (exclude && exclude.test(f)) continue;
    out.push(...parseManifests(readFileSync(join(root, source.path ?? '.', f), 'utf8'), f));
  }
  return out;
}

function apiVersions(): string[] {
  const set = new Set<string>();
  for (const k of KINDS) {
    set.add(k.apiVersion);
    set.add(`${k.apiVersion}/${k.kind}`);
  }
  return [...set];
}

async function helmTemplate(root: string, chartDir: string, input: RenderInput): Promise<KubeObject[]> {
  const helm = input.source.helm ?? {};
  const args = ['template', helm.releaseName ?? input.appName, chartDir, '--namespace', input.namespace, '--kube-version', '1.33.0', '--api-versions', apiVersions().join(',')];
  if (!helm.skipCrds) args.push('--include-crds');
  if (helm.skipTests) args.push('--skip-tests');
  if (helm.skipSchemaValidation) args.push('--skip-schema-validation');
  for (const vf of helm.valueFiles ?? []) {
    const full = resolve(chartDir, vf);
    if (relative(root, full).startsWith('..')) {
      throw new ManifestError(`failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = ${vf}: value file resolved to outside repository root`);
    }
    if (!existsSync(full)) {
      if (helm.ignoreMissingValueFiles) continue;
      throw new ManifestError(`failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = Error: open ${vf}: no such file or directory`);
    }
    args.push('--values', full);
  }
  const inline = helm.valuesObject ?? (helm.values ? helm.values : undefined);
  const cache = input.cache;
  let key: string | undefined;
  if (cache) {
    const values = createHash('sha256');
    for (const a of args) values.update(a.startsWith(root) ? `file:${relative(root, a)}:${a === chartDir ? '' : readFileSync(a, 'utf8')}` : a).update('\0');
    values.update(JSON.stringify([inline ?? null, helm.parameters ?? []]));
    key = `${cache.chartHash(chartDir)}:${values.digest('hex')}`;
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sim-helm-'));
  try {
    if (inline !== undefined) {
      const file = join(tmp, 'values.yaml');
      writeFileSync(file, typeof inline === 'string' ? inline : stringify(inline));
      args.push('--values', file);
    }
    for (const p of helm.parameters ?? []) args.push(p.forceString ? '--set-string' : '--set', `${p.name}=${p.value}`);
    let stdout: string;
    const started = performance.now();
    if (cache) cache.helmRuns++;
    try {
      ({ stdout } = await run(helmBinary(), args, { cwd: chartDir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: join(tmp, 'cache'), HELM_CONFIG_HOME: join(tmp, 'config'), HELM_DATA_HOME: join(tmp, 'data') } }));
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const shown = args.map((a) => (a.startsWith(root) ? relative(chartDir, a) || '.' : a.startsWith(tmp) ? '<inline values>' : a)).join(' ');
      throw new ManifestError(`failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = \`helm ${shown}\` failed exit status 1: ${(e.stderr || e.message).trim()}`);
    } finally {
      if (cache) cache.helmMs += performance.now() - started;
    }
    const objects = parseManifests(stdout, 'helm template output');
    return cache && key ? cache.set(key, objects) : objects;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
