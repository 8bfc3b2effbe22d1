import { createHash } from 'node:crypto';
import type { ApplyOptions, ApplyResult, FileChange, RepoWriter } from '../../../../gitops/src/git-writer.ts';
import type { RepoFile } from '../../../../renderer/src/render-store.ts';

/**
 * RepoWriter in memory: a tree of files and a list of commits. Declarative like the real writer (a
 * change already in the tree makes no new commit); in pull-request mode every change opens a PR.
 */
export class FakeRepoWriter implements RepoWriter {
  readonly files = new Map<string, string>();
  readonly commits: Array<{ sha: string; message: string }> = [];
  readonly pullRequests: boolean;
  /** Throws this (once) from the next apply, e.g. a GitTransportError. */
  failNext?: Error;
  #pr = 0;

  constructor(opts: { pullRequests?: boolean } = {}) {
    this.pullRequests = opts.pullRequests ?? false;
  }

  async init(files: RepoFile[]) {
    if (this.commits.length) return { sha: this.commits.at(-1)!.sha, created: false };
    for (const f of files) this.files.set(f.path, f.content);
    return { sha: this.commit('init'), created: true };
  }

  async apply(changes: FileChange[], message: string, _options?: ApplyOptions): Promise<ApplyResult> {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    let changed = false;
    for (const c of changes) {
      if (c.content === null) {
        for (const p of [...this.files.keys()]) if (p === c.path || p.startsWith(`${c.path}/`)) changed = this.files.delete(p) || changed;
      } else if (this.files.get(c.path) !== c.content) {
        this.files.set(c.path, c.content);
        changed = true;
      }
    }
    const sha = changed || !this.commits.length ? this.commit(message) : this.commits.at(-1)!.sha;
    const pullRequest = this.pullRequests && changed ? { number: ++this.#pr, url: `https://git.example/pr/${this.#pr}` } : undefined;
    return { sha, changed, ...(pullRequest ? { pullRequest } : {}) };
  }

  async close() {}

  private commit(message: string): string {
    const sha = createHash('sha1').update(`${this.commits.length}:${message}`).digest('hex');
    this.commits.push({ sha, message });
    return sha;
  }
}
