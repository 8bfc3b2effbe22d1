import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RenderError, type RepoFile } from './render-store.ts';

/** What the initial GitOps repo is filled with. */
export interface RepoTemplateSettings {
  /** URL of the GitOps repo, as Argo CD reaches it (AppProject sourceRepos, root app source). */
  repoUrl: string;
  /** Branch Argo CD follows. */
  targetRevision: string;
  /** Namespace of Argo CD (default `argocd`). */
  argocdNamespace?: string;
  /** Where the chart is vendored in the GitOps repo (default `charts/woocommerce-store`). */
  chartPath?: string;
}

const PLACEHOLDER = /__([A-Z][A-Z_]*[A-Z])__/g;

/**
 * The initial contents of a GitOps repo: the template files with their placeholders filled, and the
 * chart copied under the chart path. Pure; sorted by path so the first commit is reproducible.
 * `templateFiles` and `chartFiles` have paths relative to the template and the chart folder.
 */
export function renderRepoTemplate(settings: RepoTemplateSettings, templateFiles: RepoFile[], chartFiles: RepoFile[]): RepoFile[] {
  const values: Record<string, string> = {
    REPO_URL: settings.repoUrl,
    TARGET_REVISION: settings.targetRevision,
    ARGOCD_NAMESPACE: settings.argocdNamespace ?? 'argocd',
  };
  const chartPath = (settings.chartPath ?? 'charts/woocommerce-store').replace(/^\/+|\/+$/g, '');
  const out = new Map<string, string>();
  for (const file of templateFiles) {
    const content = file.content.replace(PLACEHOLDER, (whole, key: string) => {
      const value = values[key];
      if (value === undefined) throw new RenderError(`${file.path}: unknown template placeholder ${whole}`);
      return value;
    });
    out.set(normalise(file.path), content);
  }
  for (const file of chartFiles) {
    out.set(`${chartPath}/${normalise(file.path)}`, file.content);
  }
  return [...out.keys()].sort().map((path) => ({ path, content: out.get(path) as string }));
}

function normalise(path: string): string {
  const p = posix.normalize(path.split(sep).join('/')).replace(/^\/+/, '');
  if (p === '' || p === '.' || p.startsWith('../')) throw new RenderError(`path outside the repo: ${path}`);
  return p;
}

/** This project's root (renderer/src/ → ../..). */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * I/O helper: reads `gitops-repo-template/` and `charts/woocommerce-store/` of this project and
 * renders the initial repo contents.
 */
export async function loadRepoTemplate(settings: RepoTemplateSettings, dirs: { templateDir?: string; chartDir?: string } = {}): Promise<RepoFile[]> {
  const templateDir = dirs.templateDir ?? join(PROJECT_ROOT, 'gitops-repo-template');
  const chartDir = dirs.chartDir ?? join(PROJECT_ROOT, 'charts', 'woocommerce-store');
  return renderRepoTemplate(settings, await readTree(templateDir), await readTree(chartDir));
}

/** Every regular file under `root` (utf-8), paths relative to it, skipping VCS and OS litter. */
export async function readTree(root: string): Promise<RepoFile[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: RepoFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const rel = relative(root, full).split(sep).join('/');
    if (rel.split('/').some((part) => part === '.git' || part === 'node_modules' || part === '.DS_Store')) continue;
    files.push({ path: rel, content: await readFile(full, 'utf8') });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
