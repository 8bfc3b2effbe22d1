import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitCli, GitCommandError, type GitAuth } from '../../../../gitops/src/git-cli.ts';

/**
 * Answers "does revision R contain commit C?" for the status job: Argo CD reports the revision it
 * synced, which is the store's own commit or any later commit of the shared repo. Fetches the branch
 * into a private bare cache only when it meets a revision it does not have; answers are cached.
 */
export class CommitAncestry {
  private readonly git: GitCli;
  private readonly remote: string;
  private readonly branch: string;
  private dir?: Promise<string>;
  private readonly known = new Map<string, boolean>();

  constructor(opts: { remote: string; branch: string; auth?: GitAuth }) {
    this.git = new GitCli(opts.auth ? { auth: opts.auth } : {});
    this.remote = /^[a-z][a-z0-9+.-]*:\/\//i.test(opts.remote) ? opts.remote : resolve(opts.remote);
    this.branch = opts.branch;
  }

  private gitdir(): Promise<string> {
    this.dir ??= (async () => {
      const d = await mkdtemp(join(tmpdir(), 'store-ancestry-'));
      await this.git.run(['init', '--quiet', '--bare', d], tmpdir());
      return d;
    })();
    return this.dir;
  }

  private async has(dir: string, sha: string): Promise<boolean> {
    try {
      await this.git.run(['cat-file', '-e', `${sha}^{commit}`], dir);
      return true;
    } catch {
      return false;
    }
  }

  async includes(commit: string, revision: string): Promise<boolean> {
    if (commit === revision) return true;
    const key = `${commit}..${revision}`;
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    const dir = await this.gitdir();
    if (!(await this.has(dir, revision)) || !(await this.has(dir, commit))) {
      await this.git.run(['fetch', '--quiet', '--no-tags', this.remote, `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`], dir);
      if (!(await this.has(dir, revision)) || !(await this.has(dir, commit))) return false; // not (yet) on the branch
    }
    let answer: boolean;
    try {
      await this.git.run(['merge-base', '--is-ancestor', commit, revision], dir);
      answer = true;
    } catch (err) {
      if (!(err instanceof GitCommandError) || err.exitCode !== 1) throw err;
      answer = false;
    }
    this.known.set(key, answer);
    if (this.known.size > 10_000) this.known.clear();
    return answer;
  }

  async close(): Promise<void> {
    if (this.dir) {
      const d = await this.dir;
      if (existsSync(d)) await rm(d, { recursive: true, force: true });
    }
  }
}
