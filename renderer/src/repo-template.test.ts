import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RenderError } from './render-store.ts';
import { loadRepoTemplate, readTree, renderRepoTemplate } from './repo-template.ts';
import { crdValidator } from '../test/support/crd-schema.ts';

const SETTINGS = { repoUrl: 'https://git.example.com/platform/gitops.git', targetRevision: 'main' };
const CHART = [
  { path: 'Chart.yaml', content: 'apiVersion: v2\nname: woocommerce-store\nversion: 0.1.0\n' },
  { path: 'templates/namespace.yaml', content: 'kind: Namespace # __NOT_A_PLACEHOLDER__ stays\n' },
];
const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

describe(renderRepoTemplate.name, () => {
  it('renders the real template with the repo URL filled in and the chart vendored, sorted by path', async () => {
    const files = renderRepoTemplate(SETTINGS, await readTree(new URL('../../gitops-repo-template', import.meta.url).pathname), CHART);
    expect(files.map((f) => f.path)).toEqual([
      'README.md',
      'apps/root.yaml',
      'charts/woocommerce-store/Chart.yaml',
      'charts/woocommerce-store/templates/namespace.yaml',
      'projects/stores.yaml',
      'stores/.gitkeep',
    ]);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f.content]));
    for (const path of ['apps/root.yaml', 'projects/stores.yaml']) expect(byPath[path]).not.toMatch(/__[A-Z_]+__/);
    // Chart files are copied byte for byte, never templated.
    expect(byPath['charts/woocommerce-store/templates/namespace.yaml']).toBe(CHART[1]!.content);
  });

  it('renders an AppProject that only allows this repo, store-* namespaces in-cluster and Namespace as cluster kind', async () => {
    const files = renderRepoTemplate(SETTINGS, await readTree(new URL('../../gitops-repo-template', import.meta.url).pathname), []);
    const project = parse(files.find((f) => f.path === 'projects/stores.yaml')!.content);
    expect(crdValidator('argocd-appproject-crd.yaml')(project)).toEqual([]);
    expect(project.metadata).toMatchObject({ name: 'stores', namespace: 'argocd' });
    expect(project.spec.sourceRepos).toEqual([SETTINGS.repoUrl]);
    expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'store-*' }]);
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  });

  it('renders a root app-of-apps over stores/*/application.yaml with prune and self-heal', async () => {
    const files = renderRepoTemplate(
      { ...SETTINGS, argocdNamespace: 'gitops' },
      await readTree(new URL('../../gitops-repo-template', import.meta.url).pathname),
      [],
    );
    const root = parse(files.find((f) => f.path === 'apps/root.yaml')!.content);
    expect(crdValidator('argocd-application-crd.yaml')(root)).toEqual([]);
    expect(root.metadata.namespace).toBe('gitops');
    expect(root.spec.source).toEqual({
      repoURL: SETTINGS.repoUrl,
      targetRevision: 'main',
      path: 'stores',
      directory: { recurse: true, include: '*/application.yaml' },
    });
    expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('rejects an unknown placeholder and a path leaving the repo', () => {
    expect(() => renderRepoTemplate(SETTINGS, [{ path: 'x.yaml', content: '__NO_SUCH_THING__' }], [])).toThrow(RenderError);
    expect(() => renderRepoTemplate(SETTINGS, [], [{ path: '../evil', content: '' }])).toThrow(RenderError);
  });
});

describe(loadRepoTemplate.name, () => {
  it('reads the template and a chart folder from disk, vendoring the chart at the chart path', async () => {
    const chartDir = await mkdtemp(join(tmpdir(), 'chart-'));
    temps.push(chartDir);
    await mkdir(join(chartDir, 'templates'));
    await writeFile(join(chartDir, 'Chart.yaml'), CHART[0]!.content);
    await writeFile(join(chartDir, 'templates', 'namespace.yaml'), CHART[1]!.content);
    const files = await loadRepoTemplate({ ...SETTINGS, chartPath: 'charts/shop' }, { chartDir });
    expect(files.filter((f) => f.path.startsWith('charts/')).map((f) => f.path)).toEqual(['charts/shop/Chart.yaml', 'charts/shop/templates/namespace.yaml']);
    expect(files.some((f) => f.path === 'projects/stores.yaml')).toBe(true);
  });
});
