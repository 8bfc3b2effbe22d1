import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../../../gitops/test/support/fake-github.ts';
import { startPipelineHarness, type PipelineHarness } from '../../../test/support/pipeline-harness.ts';

// Pull-request mode: the platform opens a pull request per change (through a local fake of GitHub's
// REST API, behind the same Octokit client: GITHUB_API_URL points it at GitHub for real), and the
// store waits "awaiting review" until an operator merges it.
let h: PipelineHarness;
let github: FakeGitHub | undefined;
beforeAll(async () => {
  h = await startPipelineHarness(async ({ repoPath }) => {
    github = await startFakeGitHub({ token: 'gh-token', repos: { 'acme/gitops': repoPath } });
    return { GITOPS_MODE: 'pull-request', GITHUB_REPOSITORY: 'acme/gitops', GITHUB_TOKEN: 'gh-token', GITHUB_API_URL: github.url };
  });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await github?.close();
});

describe('pull-request mode', () => {
  it('a store waits "awaiting review" with its pull request, then goes Ready once the pull request is merged', async () => {
    const u = await h.signUp();
    const id = (await h.request('POST', '/api/v1/stores', { token: u.token, body: { name: 'reviewed' } })).body.id;
    const waiting = await h.waitForStore(u.token, id, (s) => s.phase === 'awaiting review', 60_000);
    expect(waiting.message).toContain('Waiting for review:');
    expect(github!.pulls).toHaveLength(1);
    const pr = github!.pulls[0]!;
    expect(pr).toMatchObject({ state: 'open', merged: false, base: 'main' });
    expect(pr.title).toContain('reviewed');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await h.request('GET', `/api/v1/stores/${id}`, { token: u.token })).body.phase).toBe('awaiting review'); // nothing lands unreviewed

    await github!.merge(pr.number);
    const ready = await h.waitForStore(u.token, id, (s) => s.status === 'Ready' || s.status === 'Error', 90_000);
    expect(ready.status).toBe('Ready');
    const reasons = (await h.request('GET', `/api/v1/stores/${id}/events`, { token: u.token })).body.items.map((e: any) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['PullRequestOpened', 'PullRequestMerged', 'Healthy']));
  }, 180_000);
});
