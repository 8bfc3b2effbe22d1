import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullRequestError, PullRequestGitWriter } from './pull-request-git-writer.ts';
import { renderStore, type RenderableStore } from '../../renderer/src/render-store.ts';
import { startFakeGitHub, type FakeGitHub } from '../test/support/fake-github.ts';
import { createBareRepo, startGitHttpServer, type GitHttpServer } from '../test/support/git-http-server.ts';

const exec = promisify(execFile);
const TOKEN = 'test-token-not-a-secret';
let root: string;
let gitServer: GitHttpServer;
let github: FakeGitHub;
let repoPath: string;
const writers: PullRequestGitWriter[] = [];

const SETTINGS = { repoUrl: 'http://example.invalid/gitops.git', targetRevision: 'main' };
const store = (n: number): RenderableStore => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `Store ${n}`,
  domain: `s${n}.example.com`,
  ownerId: 'owner-1',
  sealedSecrets: { AUTH_KEY: 'QUJD' },
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pr-writer-'));
  repoPath = await createBareRepo(root, 'gitops.git');
  gitServer = await startGitHttpServer({ projectRoot: root, auth: { token: TOKEN } });
  github = await startFakeGitHub({ token: TOKEN, repos: { 'acme/gitops': repoPath } });
});
afterAll(async () => {
  await Promise.all(writers.map((w) => w.close()));
  await github.close();
  await gitServer.close();
  await rm(root, { recursive: true, force: true });
});

function prWriter(token = TOKEN): PullRequestGitWriter {
  const w = new PullRequestGitWriter({
    remote: gitServer.repoUrl('gitops.git'),
    auth: { token: TOKEN },
    github: { owner: 'acme', repo: 'gitops', token, baseUrl: github.url },
  });
  writers.push(w);
  return w;
}

async function git(...args: string[]): Promise<string> {
  return (await exec('git', args, { cwd: repoPath })).stdout.trim();
}

describe(PullRequestGitWriter.name, () => {
  it('pushes each change to its own branch and opens a pull request against the base, leaving the base untouched', async () => {
    const w = prWriter();
    await w.init([
      { path: 'README.md', content: '# GitOps\n' },
      { path: 'stores/.gitkeep', content: '' },
    ]);
    const baseBefore = await git('rev-parse', 'main');
    const result = await w.apply(renderStore(store(1), SETTINGS), 'Add store 1');
    expect(result.changed).toBe(true);
    expect(result.pullRequest).toEqual({ number: 1, url: 'https://github.example/acme/gitops/pull/1' });
    expect(await git('rev-parse', 'main')).toBe(baseBefore);
    const pull = github.pulls[0]!;
    expect(pull).toMatchObject({ base: 'main', title: 'Add store 1', state: 'open' });
    expect(await git('rev-parse', `refs/heads/${pull.head}`)).toBe(result.sha);
    expect(await git('rev-parse', `${result.sha}^`)).toBe(baseBefore);
    expect(await w.isMerged(1)).toBe(false);
  });

  it('returns the same pull request when the same change is applied again (retry, other replica)', async () => {
    const again = await prWriter().apply(renderStore(store(1), SETTINGS), 'Add store 1');
    expect(again.changed).toBe(false);
    expect(again.pullRequest?.number).toBe(1);
    expect(github.pulls).toHaveLength(1);
  });

  it('opens a separate pull request for a different change', async () => {
    const result = await prWriter().apply(renderStore(store(2), SETTINGS), 'Add store 2');
    expect(result.pullRequest?.number).toBe(2);
    expect(github.pulls.filter((p) => p.state === 'open')).toHaveLength(2);
  });

  it('reports the merge, after which the change is on the base branch and applying it again opens nothing', async () => {
    const w = prWriter();
    const mergeSha = await github.merge(1);
    expect(await w.isMerged(1)).toBe(true);
    expect(await w.getPullRequest(1)).toMatchObject({ number: 1, state: 'closed', merged: true, mergeCommitSha: mergeSha });
    expect(await w.readFile(`stores/${store(1).id}/values.yaml`)).toContain('Store 1');
    const again = await w.apply(renderStore(store(1), SETTINGS), 'Add store 1');
    expect(again).toEqual({ sha: mergeSha, changed: false });
    expect(github.pulls).toHaveLength(2);
    // Pull request 2 was built on the old base and still merges cleanly.
    await github.merge(2);
    expect(await w.listDir('stores')).toEqual(['.gitkeep', store(1).id, store(2).id]);
  });

  it('two replicas applying the same change at once end up with one pull request', async () => {
    const before = github.pulls.length;
    const [a, b] = await Promise.all([
      prWriter().apply(renderStore(store(4), SETTINGS), 'Add store 4'),
      prWriter().apply(renderStore(store(4), SETTINGS), 'Add store 4'),
    ]);
    expect(a.pullRequest?.number).toBe(b.pullRequest?.number);
    expect(github.pulls).toHaveLength(before + 1);
  });

  it('rebuilds an open pull request on the moved base when the change is applied again', async () => {
    const w = prWriter();
    const first = await w.apply(renderStore(store(5), SETTINGS), 'Add store 5');
    const other = await w.apply(renderStore(store(6), SETTINGS), 'Add store 6');
    await github.merge(other.pullRequest!.number);
    const again = await w.apply(renderStore(store(5), SETTINGS), 'Add store 5');
    expect(again.pullRequest).toEqual(first.pullRequest);
    expect(again.changed).toBe(true);
    expect(await git('rev-parse', `${again.sha}^`)).toBe(await git('rev-parse', 'main'));
    await github.merge(first.pullRequest!.number);
    expect(await w.listDir('stores')).toContain(store(5).id);
  });

  it('fails with a PullRequestError carrying the status when the API token is wrong, without the token', async () => {
    const err = await prWriter('wrong-api-token')
      .apply(renderStore(store(3), SETTINGS), 'Add store 3')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PullRequestError);
    expect((err as PullRequestError).status).toBe(401);
    expect((err as Error).message).not.toContain('wrong-api-token');
  });
});
