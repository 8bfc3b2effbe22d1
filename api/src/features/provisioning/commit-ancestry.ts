import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitCli, GitCommandError, type GitAuth } from '../../../../gitops/src/git-cli.ts';

/** The one thing CommitAncestry needs from git: run a command in a directory (GitCli is one). */
export interface GitRunner {
  run(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }>;
}

/** Revisions whose ancestor sets are kept; Argo CD reports the branch head, so few are ever live. */
const KEPT_REVISIONS = 4;
/** A revision still missing after a fetch is not fetched for again before this long. */
const MISSING_RETRY_MS = 2_000;

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;

/**
 * Answers "does revision R contain commit C?" for the status job: Argo CD reports the revision it
 * synced, which is the store's own commit or any later commit of the shared repo. The answer comes
 * from one walk of the commit graph per reported revision (`git rev-list R`, kept as a Set of
 * ancestors), so checking every store of a cycle against the same revision costs one lookup each.
 * A new revision that descends from a known one is walked only down to it (`rev-list R ^old`). The
 * branch is fetched into a private bare cache only when a revision is not there yet.
 */
export class CommitAncestry {
  private readonly git: GitRunner;
  private readonly remote: string;
  private readonly branch: string;
  private readonly now: () => number;
  private dir?: Promise<string>;
  /** revision -> its ancestors (itself included); Map order is recency, oldest first. */
  private readonly sets = new Map<string, Promise<ReadonlySet<string> | null>>();
  /** revision -> when it was last found missing even after a fetch. */
  private readonly missing = new Map<string, number>();
  private fetching?: Promise<void>;

  constructor(opts: { remote: string; branch: string; auth?: GitAuth; git?: GitRunner; now?: () => number }) {
    this.git = opts.git ?? new GitCli(opts.auth ? { auth: opts.auth } : {});
    this.remote = /^[a-z][a-z0-9+.-]*:\/\//i.test(opts.remote) ? opts.remote : resolve(opts.remote);
    this.branch = opts.branch;
    this.now = opts.now ?? Date.now;
  }

  private gitdir(): Promise<string> {
    this.dir ??= (async () => {
      const d = await mkdtemp(join(tmpdir(), 'store-ancestry-'));
      await this.git.run(['init', '--quiet', '--bare', d], tmpdir());
      return d;
    })();
    return this.dir;
  }

  async includes(commit: string, revision: string): Promise<boolean> {
    if (commit === revision) return true;
    const ancestors = await this.ancestorsOf(revision);
    return ancestors?.has(commit.toLowerCase()) ?? false;
  }

  /** The ancestor set of `revision`, or null when the branch does not (yet) have it. */
  private ancestorsOf(revision: string): Promise<ReadonlySet<string> | null> {
    const key = revision.toLowerCase();
    const known = this.sets.get(key);
    if (known) {
      this.sets.delete(key); // refresh recency
      this.sets.set(key, known);
      return known;
    }
    if (!SHA.test(key)) return Promise.resolve(null);
    const missingSince = this.missing.get(key);
    if (missingSince !== undefined && this.now() - missingSince < MISSING_RETRY_MS) return Promise.resolve(null);
    const base = this.newestSettled();
    const walk = this.walk(key, base).then((set) => {
      if (set === null) {
        this.sets.delete(key);
        this.missing.set(key, this.now());
        if (this.missing.size > 100) this.missing.clear();
      } else this.missing.delete(key);
      return set;
    });
    walk.catch(() => this.sets.delete(key));
    this.sets.set(key, walk);
    while (this.sets.size > KEPT_REVISIONS) this.sets.delete(this.sets.keys().next().value!);
    return walk;
  }

  /** The most recently used revision whose set is built, to walk a new revision down to. */
  private newestSettled(): { revision: string; set: Promise<ReadonlySet<string> | null> } | undefined {
    const entries = [...this.sets.entries()];
    const last = entries.at(-1);
    return last ? { revision: last[0], set: last[1] } : undefined;
  }

  private async walk(revision: string, base: { revision: string; set: Promise<ReadonlySet<string> | null> } | undefined): Promise<ReadonlySet<string> | null> {
    const dir = await this.gitdir();
    const old = base ? await base.set.catch(() => null) : null;
    let out = await this.revList(dir, revision, old ? base!.revision : undefined);
    if (out === null) {
      await this.fetch(dir);
      out = await this.revList(dir, revision, old ? base!.revision : undefined);
      if (out === null) return null; // not (yet) on the branch
    }
    if (old) {
      // With `R ^old`, old is an ancestor of R exactly when some walked commit names it as a parent
      // (the path R -> old ends in a child of old, which old cannot reach). Otherwise (the branch was
      // force-pushed) the shared part is unknown: walk R whole.
      const oldRevision = base!.revision;
      if (out.parents.has(oldRevision)) {
        const set = new Set(old);
        for (const c of out.commits) set.add(c);
        return set;
      }
      out = await this.revList(dir, revision);
      if (out === null) return null;
    }
    return new Set(out.commits);
  }

  /** `git rev-list R` (with `--parents ^old` when given old), or null when R is not a commit here. */
  private async revList(dir: string, revision: string, exclude?: string): Promise<{ commits: string[]; parents: Set<string> } | null> {
    let stdout: string;
    try {
      ({ stdout } = await this.git.run(['rev-list', ...(exclude ? ['--parents', revision, `^${exclude}`] : [revision]), '--'], dir));
    } catch (err) {
      // Only "no such commit" means missing; anything else (a timeout, a full buffer) is an error, not "no".
      if (err instanceof GitCommandError && /bad revision|unknown revision|bad object|not a valid object/i.test(err.stderr)) return null;
      throw err;
    }
    const commits: string[] = [];
    const parents = new Set<string>();
    for (const line of stdout.split('\n')) {
      if (!line) continue;
      const [c, ...ps] = line.split(' ');
      commits.push(c!);
      for (const p of ps) parents.add(p);
    }
    return { commits, parents };
  }

  /** One fetch of the branch at a time; callers that arrive meanwhile share it. */
  private fetch(dir: string): Promise<void> {
    this.fetching ??= this.git
      .run(['fetch', '--quiet', '--no-tags', this.remote, `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`], dir)
      .then(() => undefined)
      .finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  async close(): Promise<void> {
    if (this.dir) {
      const d = await this.dir;
      if (existsSync(d)) await rm(d, { recursive: true, force: true });
    }
  }
}
