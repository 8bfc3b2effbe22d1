import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { GitConflictError, GitWriter, type ApplyOptions, type ApplyResult, type FileChange, type GitWriterOptions, type RepoWriter } from './git-writer.ts';
import type { RepoFile } from '../../renderer/src/render-store.ts';

/** The pull-request API refused a call (auth, validation, not found). Carries the HTTP status. */
export class PullRequestError extends Error {
  override name = 'PullRequestError';
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined) {
    super(message);
    this.status = status;
  }
}

export interface PullRequestGitWriterOptions extends GitWriterOptions {
  /** The hosting API the pull requests are opened with. `branch` (default main) is their base. */
  github: {
    owner: string;
    repo: string;
    /** API token (may be the same token as `auth` for the git transport). */
    token: string;
    /** REST API root (default https://api.github.com; GitHub Enterprise: https://host/api/v3). */
    baseUrl?: string;
  };
  /** Prefix of the branches it pushes (default `store-platform/`). */
  branchPrefix?: string;
}

/** What the status job needs to know about a pull request. */
export interface PullRequestInfo {
  number: number;
  url: string;
  state: 'open' | 'closed';
  merged: boolean;
  /** The merge commit on the base branch once merged (what Argo CD will sync to). */
  mergeCommitSha: string | null;
}

/**
 * Pull-request mode of the Git writer: instead of pushing to the branch Argo CD follows, each change
 * goes on its own branch (built on the current base tip, like GitWriter builds its commits) and opens a
 * pull request for review. Same change → same branch → the same pull request (idempotent across
 * retries and replicas). Operators merge; isMerged()/getPullRequest() tell the status job when.
 */
export class PullRequestGitWriter implements RepoWriter {
  readonly #git: GitWriter;
  readonly #octokit: Octokit;
  readonly #owner: string;
  readonly #repo: string;
  readonly #base: string;
  readonly #prefix: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PullRequestGitWriterOptions) {
    this.#git = new GitWriter(options);
    this.#base = this.#git.branch;
    this.#owner = options.github.owner;
    this.#repo = options.github.repo;
    this.#prefix = options.branchPrefix ?? 'store-platform/';
    this.#octokit = new Octokit({
      auth: options.github.token,
      baseUrl: options.github.baseUrl ?? 'https://api.github.com',
      userAgent: 'store-platform',
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  /** An empty repo has no base to review against: the template goes straight onto the base branch. */
  init(files: RepoFile[], message?: string): Promise<{ sha: string; created: boolean }> {
    return this.#serial(() => this.#git.init(files, message));
  }

  apply(changes: FileChange[], message: string, options: ApplyOptions = {}): Promise<ApplyResult> {
    try {
      this.#git.checkChanges(changes);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#serial(async () => {
      const branch = options.branch ?? `${this.#prefix}${changeId(changes)}`;
      for (let attempt = 1; ; attempt++) {
        const base = await this.#git.fetch(this.#base);
        const sha = await this.#git.buildCommit(base, changes, message);
        // Already on the base branch (e.g. the pull request was merged): nothing to review.
        if (sha === null) return { sha: base ?? '', changed: false };
        const open = await this.#findOpen(branch);
        if (open) {
          const tip = await this.#git.fetch(branch);
          if (tip !== null && (await this.#git.treeOf(tip)) === (await this.#git.treeOf(sha))) {
            return { sha: tip, changed: false, pullRequest: open };
          }
        }
        // The branch is the platform's own: a rebuilt commit on a newer base replaces it. A refusal
        // means another replica is pushing the same branch right now: look again.
        if (await this.#git.push(sha, branch, { force: true })) {
          return { sha, changed: true, pullRequest: open ?? (await this.#create(branch, message, options)) };
        }
        if (attempt >= 5) throw new GitConflictError(`pushing ${branch} was refused ${attempt} times`);
        await new Promise((r) => setTimeout(r, 50 * attempt * Math.random()));
      }
    });
  }

  async isMerged(number: number): Promise<boolean> {
    return (await this.getPullRequest(number)).merged;
  }

  async getPullRequest(number: number): Promise<PullRequestInfo> {
    const { data } = await this.#call(() => this.#octokit.rest.pulls.get({ owner: this.#owner, repo: this.#repo, pull_number: number }));
    return {
      number: data.number,
      url: data.html_url,
      state: data.state === 'closed' ? 'closed' : 'open',
      merged: data.merged === true,
      mergeCommitSha: data.merged ? (data.merge_commit_sha ?? null) : null,
    };
  }

  readFile(path: string): Promise<string | null> {
    return this.#serial(() => this.#git.readFile(path));
  }

  listDir(path: string): Promise<string[]> {
    return this.#serial(() => this.#git.listDir(path));
  }

  head(): Promise<string | null> {
    return this.#serial(() => this.#git.head());
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => {});
    await this.#git.close();
  }

  async #findOpen(branch: string): Promise<{ number: number; url: string } | undefined> {
    const { data } = await this.#call(() =>
      this.#octokit.rest.pulls.list({ owner: this.#owner, repo: this.#repo, head: `${this.#owner}:${branch}`, base: this.#base, state: 'open' }),
    );
    const pr = data[0];
    return pr ? { number: pr.number, url: pr.html_url } : undefined;
  }

  async #create(branch: string, message: string, options: ApplyOptions): Promise<{ number: number; url: string }> {
    try {
      const { data } = await this.#octokit.rest.pulls.create({
        owner: this.#owner,
        repo: this.#repo,
        head: branch,
        base: this.#base,
        title: options.title ?? message.split('\n')[0] ?? message,
        body: options.body ?? `${message}\n\nOpened by Store Platform. Merge to apply; Argo CD syncs the store after the merge.`,
      });
      return { number: data.number, url: data.html_url };
    } catch (err) {
      // Another replica opened it between our list and create.
      if ((err as { status?: number }).status === 422) {
        const existing = await this.#findOpen(branch);
        if (existing) return existing;
      }
      throw toPullRequestError(err);
    }
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toPullRequestError(err);
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }
}

/** A short, stable id of a set of changes: the same change always maps to the same branch. */
function changeId(changes: FileChange[]): string {
  const hash = createHash('sha256');
  for (const c of changes) hash.update(`${c.path}\0${c.content === null ? '\u0001deleted' : c.content}\0`);
  return hash.digest('hex').slice(0, 16);
}

function toPullRequestError(err: unknown): PullRequestError {
  const status = (err as { status?: number }).status;
  // Octokit's message is GitHub's; the request (with its Authorization header) is not included.
  return new PullRequestError(`pull request API: ${(err as Error).message ?? 'failed'}`, status);
}
