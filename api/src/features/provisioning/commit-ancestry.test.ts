import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitCli, GitCommandError } from '../../../../gitops/src/git-cli.ts';
import { CommitAncestry } from './commit-ancestry.ts';

const exec = promisify(execFile);

/** The real git CLI, counting the processes it starts by subcommand. */
class CountingGit extends GitCli {
  readonly calls: string[] = [];
  override run(args: string[], cwd: string) {
    this.calls.push(args[0]!);
    return super.run(args, cwd);
  }
  count(cmd?: string): number {
    return cmd ? this.calls.filter((c) => c === cmd).length : this.calls.length;
  }
}

let root: string;
let remote: string;
let work: string;
const open: CommitAncestry[] = [];

async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
  return stdout.trim();
}

let made = 0;
/** Makes `n` commits on the work tree's current branch and pushes it; returns their shas, oldest first. */
async function commits(n: number, branch = 'main', force = false): Promise<string[]> {
  const from = made;
  made += n;
  // distinct messages: empty commits made in the same second on the same parent would be one commit
  await exec('sh', ['-c', `i=${from}; while [ $i -lt ${made} ]; do git commit -q --allow-empty -m "c$i"; i=$((i+1)); done`], {
    cwd: work,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
  await git(work, 'push', '-q', ...(force ? ['-f'] : []), 'origin', `HEAD:refs/heads/${branch}`);
  return (await git(work, 'rev-list', '--reverse', `-n`, String(n), 'HEAD')).split('\n');
}

function ancestry(g: CountingGit, extra: { now?: () => number } = {}): CommitAncestry {
  const a = new CommitAncestry({ remote, branch: 'main', git: g, ...extra });
  open.push(a);
  return a;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ancestry-test-'));
  remote = join(root, 'remote.git');
  work = join(root, 'work');
  await git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  await git(root, 'clone', '-q', remote, work);
  await git(work, 'checkout', '-q', '-b', 'main');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await git(work, 'checkout', '-q', 'main');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('CommitAncestry', () => {
  it('answers from the commit graph: ancestors and the revision itself are included, later commits are not', async () => {
    const [a, b, c] = await commits(3);
    const g = new CountingGit();
    const anc = ancestry(g);
    expect(await anc.includes(a!, c!)).toBe(true);
    expect(await anc.includes(b!, c!)).toBe(true);
    expect(await anc.includes(c!, c!)).toBe(true);
    expect(await anc.includes(c!, a!)).toBe(false); // a later commit is not in an earlier revision
    expect(await anc.includes(c!, b!)).toBe(false);
    expect(await anc.includes('0'.repeat(40), c!)).toBe(false);
  });

  it('a revision the cache has not seen is fetched once, however many stores ask about it', async () => {
    const first = await commits(2);
    const g = new CountingGit();
    const anc = ancestry(g);
    expect(await anc.includes(first[0]!, first[1]!)).toBe(true);
    expect(g.count('fetch')).toBe(1);

    const next = await commits(3); // pushed after the cache fetched: unknown to it
    const fetchesBefore = g.count('fetch');
    const answers = await Promise.all([...first, ...next].map((c) => anc.includes(c, next[2]!)));
    expect(answers).toEqual([true, true, true, true, true]);
    for (const c of [...first, ...next]) expect(await anc.includes(c, next[2]!)).toBe(true);
    expect(g.count('fetch') - fetchesBefore).toBe(1);
    // the older revision still answers, without git
    const before = g.count();
    expect(await anc.includes(next[0]!, first[1]!)).toBe(false);
    expect(g.count()).toBe(before);
  });

  it('a commit on another branch is not contained, and a revision on no branch is not fetched for on every call', async () => {
    const [base] = await commits(1);
    await git(work, 'checkout', '-q', '-b', 'side');
    const [side] = await commits(1, 'side');
    await git(work, 'checkout', '-q', 'main');
    const [tip] = await commits(1);
    let clock = 0;
    const g = new CountingGit();
    const anc = ancestry(g, { now: () => clock });
    expect(await anc.includes(base!, tip!)).toBe(true);
    expect(await anc.includes(side!, tip!)).toBe(false); // side's commit exists in the remote but is not an ancestor
    // only main is fetched: side's commit as a revision is unknown, fetched for once, then remembered as missing
    const fetches = g.count('fetch');
    for (let i = 0; i < 50; i++) expect(await anc.includes(base!, side!)).toBe(false);
    expect(g.count('fetch') - fetches).toBe(1);
    clock += 60_000; // later it is looked for again (it may have been merged meanwhile)
    expect(await anc.includes(base!, side!)).toBe(false);
    expect(g.count('fetch') - fetches).toBe(2);
    expect(await anc.includes('not-a-sha', tip!)).toBe(false);
    expect(await anc.includes(base!, 'not-a-sha')).toBe(false);
  });

  it('a force-pushed branch whose new head does not descend from the old is walked whole', async () => {
    const [a, b] = await commits(2);
    const g = new CountingGit();
    const anc = ancestry(g);
    expect(await anc.includes(a!, b!)).toBe(true);
    await git(work, 'reset', '-q', '--hard', a!);
    const [c] = await commits(1, 'main', true);
    expect(await anc.includes(a!, c!)).toBe(true);
    expect(await anc.includes(b!, c!)).toBe(false); // b is not in c's history, though it was in the previous revision's
  });

  it('a git failure other than a missing commit is an error, not "not contained", and is not remembered', async () => {
    const [a, b] = await commits(2);
    let failing = true;
    class FlakyGit extends CountingGit {
      override run(args: string[], cwd: string) {
        if (failing && args[0] === 'rev-list') return Promise.reject(new GitCommandError('git rev-list failed: timed out', null, '', ''));
        return super.run(args, cwd);
      }
    }
    const anc = ancestry(new FlakyGit());
    await expect(anc.includes(a!, b!)).rejects.toThrow(/timed out/);
    failing = false;
    expect(await anc.includes(a!, b!)).toBe(true);
  });

  it('1,000 stores checked against each new revision start a bounded number of git processes', async () => {
    const history = await commits(100);
    const g = new CountingGit();
    const anc = ancestry(g);
    // store i was committed in history[i % 100]; the reported revision is the head
    const stores = Array.from({ length: 1_000 }, (_, i) => history[i % 100]!);
    for (const c of stores) expect(await anc.includes(c, history.at(-1)!)).toBe(true);
    const firstCycle = g.count();
    expect(firstCycle).toBeLessThanOrEqual(4); // init, rev-list (missing), fetch, rev-list
    // three more commits, each followed by a cycle over every store: a few processes per cycle, not per store
    for (let k = 0; k < 3; k++) {
      const [head] = await commits(1);
      const before = g.count();
      for (const c of stores) expect(await anc.includes(c, head!)).toBe(true);
      expect(await anc.includes(head!, history.at(-1)!)).toBe(false);
      expect(g.count() - before).toBeLessThanOrEqual(3); // rev-list (missing), fetch, rev-list head ^previous
    }
  });
});
