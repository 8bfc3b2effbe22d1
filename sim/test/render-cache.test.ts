import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { GitRepos } from '../src/git-repos.ts';
import { RenderCache, renderManifests, type AppSource } from '../src/render-manifests.ts';
import { createGitopsRepo, storeApplication, type GitopsRepo } from './gitops-repo-fixture.ts';

const chartDir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'mini-store');
let repo: GitopsRepo;
let cacheDir: string;
afterEach(() => {
  repo?.cleanup();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe(RenderCache.name, () => {
  it('a second render of the same chart + values does not start helm, even at a new commit; a changed value or chart does', async () => {
    repo = createGitopsRepo({ chartDir });
    cacheDir = mkdtempSync(join(tmpdir(), 'render-cache-'));
    const repos = new GitRepos(cacheDir);
    const cache = new RenderCache();
    const source = storeApplication('a', repo.url).spec.source as AppSource;
    const render = async (sha: string, id = 'a') =>
      renderManifests({ repos, source: storeApplication(id, repo.url).spec.source as AppSource, sha, appName: `store-${id}`, namespace: `store-${id}`, cache });
    expect(source.helm?.valueFiles?.[0]).toBe('../../stores/a/values.yaml');

    const first = repo.commit({ 'stores/a/values.yaml': stringify({ replicas: 1 }), 'stores/b/values.yaml': stringify({ replicas: 1 }) });
    const one = await render(first);
    expect(cache.helmRuns).toBe(1);
    const again = await render(first);
    expect(again.objects).toBe(one.objects);
    expect(cache).toMatchObject({ helmRuns: 1, hits: 1 });

    // Another store's folder changes: a new commit, the same chart and values for store a.
    const second = repo.commit({ 'stores/b/values.yaml': stringify({ replicas: 2 }) });
    expect((await render(second)).objects).toBe(one.objects);
    expect(cache.helmRuns).toBe(1);
    // Store b: other values (and another release name) → helm.
    await render(second, 'b');
    expect(cache.helmRuns).toBe(2);

    // A changed value of store a → helm again, with what the new value renders.
    const third = repo.commit({ 'stores/a/overrides.yaml': stringify({ wordpress: { replicas: 3 } }) });
    const changed = await render(third);
    expect(cache.helmRuns).toBe(3);
    expect(changed.objects.find((o) => o.kind === 'Deployment')?.spec.replicas).toBe(3);

    // A changed chart → helm again for the same values.
    const fourth = repo.commit({ 'charts/woocommerce-store/templates/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {}\n' });
    const rechart = await render(fourth);
    expect(cache.helmRuns).toBe(4);
    expect(rechart.objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === 'extra')).toBe(true);
  });
});
