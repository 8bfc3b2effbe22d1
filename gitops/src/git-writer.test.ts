import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitTransportError, GitWriter, InvalidChangeError, type FileChange } from './git-writer.ts';
import { renderStore, type RenderableStore } from '../../renderer/src/render-store.ts';
import { createBareRepo, startGitHttpServer, type GitHttpServer } from '../test/support/git-http-server.ts';

const exec = promisify(execFile);
const TOKEN = 'test-token-not-a-secret';
let root: string;
let server: GitHttpServer;
const writers: GitWriter[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'git-writer-'));
  server = await startGitHttpServer({ projectRoot: root, auth: { token: TOKEN } });
});
afterAll(async () => {
  await Promise.all(writers.map((w) => w.close()));
  await server.close();
  await rm(root, { recursive: true, force: true });
});

let repoCount = 0;
async function newRepo(): Promise<{ url: string; path: string }> {
  const name = `r${++repoCount}.git`;
  const path = await createBareRepo(root, name);
  return { url: server.repoUrl(name), path };
}

function writer(remote: string, extra: Partial<ConstructorParameters<typeof GitWriter>[0]> = {}): GitWriter {
  const w = new GitWriter({ remote, auth: { token: TOKEN }, ...extra });
  writers.push(w);
  return w;
}

async function git(dir: string, ...args: string[]): Promise<string> {
  return (await exec('git', args, { cwd: dir })).stdout;
}

function store(n: number): RenderableStore {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return { id, name: `Store ${n}`, domain: `s${n}.example.com`, ownerId: 'owner-1', sealedSecrets: { AUTH_KEY: 'QUJD' } };
}
const SETTINGS = { repoUrl: 'http://example.invalid/gitops.git', targetRevision: 'main' };
const filesOf = (n: number): FileChange[] => renderStore(store(n), SETTINGS);
const TEMPLATE = [
  { path: 'README.md', content: '# GitOps\n' },
  { path: 'stores/.gitkeep', content: '' },
];

/** Every store folder at the tip, with the files in it. */
async function storeDirs(repo: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const line of (await git(repo, 'ls-tree', '-r', '--name-only', 'main', 'stores/')).split('\n')) {
    const m = /^stores\/([^/]+)\/(.+)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

describe(GitWriter.name, () => {
  it('initialises an empty repo from the template once, and does nothing when the branch has commits', async () => {
    const repo = await newRepo();
    const w = writer(repo.url);
    expect(await w.head()).toBeNull();
    const first = await w.init(TEMPLATE);
    expect(first.created).toBe(true);
    const again = await writer(repo.url).init([{ path: 'other.md', content: 'x' }]);
    expect(again).toEqual({ sha: first.sha, created: false });
    expect((await git(repo.path, 'ls-tree', '-r', '--name-only', 'main')).trim().split('\n')).toEqual(['README.md', 'stores/.gitkeep']);
    expect((await git(repo.path, 'rev-list', '--count', 'main')).trim()).toBe('1');
  });

  it('commits the changed files in one commit over HTTP with token auth, and git fsck finds the repo sound', async () => {
    const repo = await newRepo();
    const w = writer(repo.url);
    await w.init(TEMPLATE);
    const result = await w.apply([...filesOf(1), ...filesOf(2)], 'Add stores 1 and 2');
    expect(result.changed).toBe(true);
    expect((await git(repo.path, 'rev-parse', 'main')).trim()).toBe(result.sha);
    expect((await git(repo.path, 'log', '-1', '--format=%an <%ae>|%s', 'main')).trim()).toBe('Store Platform <store-platform@localhost>|Add stores 1 and 2');
    const expected = filesOf(1)[0]!;
    expect(await git(repo.path, 'show', `main:${expected.path}`)).toBe(expected.content);
    expect([...(await storeDirs(repo.path)).keys()].sort()).toEqual([store(1).id, store(2).id]);
    await git(repo.path, 'fsck', '--strict', '--no-dangling');
  });

  it('is idempotent: applying changes the tip already holds makes no commit and returns the tip', async () => {
    const repo = await newRepo();
    const w = writer(repo.url);
    await w.init(TEMPLATE);
    const first = await w.apply(filesOf(1), 'Add store 1');
    const again = await writer(repo.url).apply(filesOf(1), 'Add store 1 again');
    expect(again).toEqual({ sha: first.sha, changed: false });
    expect(await w.apply([{ path: 'stores/no-such-store', content: null }], 'Delete a store that is not there')).toEqual({ sha: first.sha, changed: false });
    expect((await git(repo.path, 'rev-list', '--count', 'main')).trim()).toBe('2');
  });

  it('deletes a whole store folder, and only that folder', async () => {
    const repo = await newRepo();
    const w = writer(repo.url);
    await w.init(TEMPLATE);
    await w.apply([...filesOf(1), ...filesOf(2)], 'Add two stores');
    const result = await w.apply([{ path: `stores/${store(1).id}`, content: null }], 'Delete store 1');
    expect(result.changed).toBe(true);
    expect([...(await storeDirs(repo.path)).keys()]).toEqual([store(2).id]);
    expect(await w.listDir('stores')).toEqual(['.gitkeep', store(2).id]);
  });

  it("keeps an operator's overrides.yaml through any number of re-renders, and removes it only with the store", async () => {
    const repo = await newRepo();
    const w = writer(repo.url);
    await w.init(TEMPLATE);
    await w.apply(filesOf(1), 'Add store 1');
    // The operator commits an override with plain git.
    const work = await mkdtemp(join(tmpdir(), 'operator-'));
    await exec('git', ['clone', '--quiet', repo.path, work]);
    const overrides = `stores/${store(1).id}/overrides.yaml`;
    await exec(
      'sh',
      [
        '-c',
        `printf 'wordpress:\\n  replicas: 2\\n' > ${overrides} && git add . && git -c user.name=op -c user.email=op@x commit -qm override && git push -q origin HEAD:main`,
      ],
      { cwd: work },
    );
    for (let i = 0; i < 3; i++) {
      const renamed = { ...store(1), name: `Store 1 v${i}` };
      await w.apply(renderStore(renamed, SETTINGS), `Re-render store 1 (${i})`);
    }
    expect(await w.readFile(overrides)).toBe('wordpress:\n  replicas: 2\n');
    expect(await w.readFile(`stores/${store(1).id}/values.yaml`)).toContain('Store 1 v2');
    await expect(w.apply([{ path: overrides, content: 'x: 1\n' }], 'no')).rejects.toThrow(InvalidChangeError);
    await expect(w.apply([{ path: overrides, content: null }], 'no')).rejects.toThrow(InvalidChangeError);
    await w.apply([{ path: `stores/${store(1).id}`, content: null }], 'Delete store 1');
    expect(await w.readFile(overrides)).toBeNull();
    await rm(work, { recursive: true, force: true });
  });

  it('rejects paths that leave the repo or touch .git', async () => {
    const w = writer((await newRepo()).url);
    for (const path of ['../x', 'a//b', '/abs', '.git/config', 'a/./b', '']) {
      await expect(w.apply([{ path, content: 'x' }], 'bad')).rejects.toThrow(InvalidChangeError);
    }
  });

  it('re-applies on the new tip when its push is rejected because another writer moved the branch', async () => {
    const repo = await newRepo();
    const a = writer(repo.url);
    const b = writer(repo.url);
    await a.init(TEMPLATE);
    // a builds on the tip it fetched; b commits meanwhile; a's push of that commit is refused.
    const stale = await a.fetch('main');
    const aCommit = await a.buildCommit(stale, filesOf(1), 'Add store 1');
    await b.apply(filesOf(2), 'Add store 2');
    expect(await a.push(aCommit!, 'main')).toBe(false);
    // The declarative change is re-applied on b's tip: both land, history stays linear.
    const result = await a.apply(filesOf(1), 'Add store 1');
    expect(result.changed).toBe(true);
    expect([...(await storeDirs(repo.path)).keys()].sort()).toEqual([store(1).id, store(2).id]);
    expect((await git(repo.path, 'rev-list', '--merges', 'main')).trim()).toBe('');
    expect((await git(repo.path, 'rev-list', '--count', 'main')).trim()).toBe('3');
  });

  it('two writers racing with 25 stores each: all 50 land exactly once, linear history', async () => {
    const repo = await newRepo();
    // What is tested is that racing pushes all land once, not the retry cap: on a loaded machine 10
    // rejections in a row did happen once (CI, 2026-12-01), so these two may retry longer.
    const a = writer(repo.url, { maxAttempts: 40 });
    const b = writer(repo.url, { maxAttempts: 40 });
    await a.init(TEMPLATE);
    const pushesBefore = server.stats.pushes;
    // Each writer commits its stores one by one (no batching), so their pushes keep colliding.
    const run = async (w: GitWriter, from: number) => {
      for (let n = from; n < from + 25; n++) expect((await w.apply(filesOf(n), `Add store ${n}`)).changed).toBe(true);
    };
    await Promise.all([run(a, 1), run(b, 26)]);
    const dirs = await storeDirs(repo.path);
    expect(dirs.size).toBe(50);
    for (let n = 1; n <= 50; n++) expect(dirs.get(store(n).id)).toEqual(['application.yaml', 'values.yaml']);
    expect((await git(repo.path, 'rev-list', '--merges', 'main')).trim()).toBe('');
    expect((await git(repo.path, 'rev-list', '--count', 'main')).trim()).toBe('51');
    for (const n of [1, 25, 26, 50]) {
      const adds = await git(repo.path, 'log', '--format=%H', '--diff-filter=A', 'main', '--', `stores/${store(n).id}/application.yaml`);
      expect(adds.trim().split('\n')).toHaveLength(1);
    }
    // Not asserted (timing-dependent), but reported: pushes beyond 50 were rejected and re-applied.
    console.info(`race: ${server.stats.pushes - pushesBefore} pushes for 50 commits`);
    await git(repo.path, 'fsck', '--strict', '--no-dangling');
  }, 120_000);

  it('coalesces apply() calls queued on one writer into one commit that carries them all', async () => {
    const repo = await newRepo();
    const w = writer(repo.url);
    await w.init(TEMPLATE);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => w.apply(filesOf(i + 1), `Add store ${i + 1}`)));
    expect(new Set(results.map((r) => r.sha)).size).toBe(1);
    expect((await git(repo.path, 'rev-list', '--count', 'main')).trim()).toBe('2');
    expect((await storeDirs(repo.path)).size).toBe(10);
    expect(await git(repo.path, 'log', '-1', '--format=%B', 'main')).toContain('- Add store 10');
  });

  it('writes 50 stores in one commit with the exact rendered content', async () => {
    const repo = await newRepo();
    const w = writer(repo.url);
    await w.init(TEMPLATE);
    const changes = Array.from({ length: 50 }, (_, i) => filesOf(i + 1)).flat();
    await w.apply(changes, 'Add 50 stores');
    expect((await storeDirs(repo.path)).size).toBe(50);
    for (const change of [changes[0]!, changes[57]!, changes[99]!]) {
      expect(await git(repo.path, 'show', `main:${change.path}`)).toBe(change.content);
    }
    expect((await git(repo.path, 'rev-list', '--count', 'main')).trim()).toBe('2');
  });

  it('refuses a wrong token with a GitTransportError that does not contain the token', async () => {
    const repo = await newRepo();
    const bad = writer(repo.url, { auth: { token: 'wrong-token-value' } });
    const err = await bad.apply(filesOf(1), 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitTransportError);
    expect(String((err as Error).message)).not.toContain('wrong-token-value');
    // Bearer tokens work too.
    const bearer = writer(repo.url, { auth: { token: TOKEN, scheme: 'bearer' } });
    expect((await bearer.apply(filesOf(1), 'Add store 1')).changed).toBe(true);
  });

  it('pushes to a local bare repo path as well', async () => {
    const repo = await newRepo();
    const w = new GitWriter({ remote: repo.path, branch: 'main' });
    writers.push(w);
    await w.init(TEMPLATE);
    const result = await w.apply(filesOf(7), 'Add store 7');
    expect((await git(repo.path, 'rev-parse', 'main')).trim()).toBe(result.sha);
    expect(await w.readFile('README.md')).toBe('# GitOps\n');
    expect(await w.readFile('missing.txt')).toBeNull();
  });
});
