/**
 * Argo CD's repo server, the Git half: resolves a repoURL + targetRevision to a commit SHA and
 * materialises that commit's tree, with the git CLI. A repoURL may be a local path or file:// URL of a
 * (bare or non-bare) repository — read in place — or an http(s) URL, mirrored into a cache directory
 * and fetched on each poll.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Thrown when a repository or revision cannot be read; message as Argo CD reports it. */
export class RepoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepoError';
  }
}

async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new RepoError((e.stderr || e.message).trim());
  }
}

export function normalizeRepoURL(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase();
}

export class GitRepos {
  readonly #cacheDir: string;
  #fetched = new Map<string, Promise<void>>();
  #checkouts = new Map<string, Promise<string>>();
  #refs = new Map<string, { refs: Map<string, string>; head: string | undefined }>();

  constructor(cacheDir: string) {
    this.#cacheDir = cacheDir;
    mkdirSync(cacheDir, { recursive: true });
  }

  #isRemote(url: string): boolean {
    return /^(https?|ssh|git):\/\//.test(url) || /^[\w.-]+@[\w.-]+:/.test(url);
  }

  /** The local git dir for a repo URL (mirror for remote URLs). */
  gitDir(url: string): string {
    if (this.#isRemote(url)) return join(this.#cacheDir, 'mirrors', `${createHash('sha1').update(normalizeRepoURL(url)).digest('hex')}.git`);
    return url.startsWith('file://') ? fileURLToPath(url) : url;
  }

  /** Fetches a remote repo into its mirror (no-op for local repos). Concurrent calls share one fetch. */
  async fetch(url: string): Promise<void> {
    if (!this.#isRemote(url)) {
      if (!existsSync(this.gitDir(url))) throw new RepoError(`repository not found: ${url}`);
      return;
    }
    const pending = this.#fetched.get(url);
    if (pending) return pending;
    const dir = this.gitDir(url);
    const p = (async () => {
      if (!existsSync(join(dir, 'HEAD'))) {
        mkdirSync(join(this.#cacheDir, 'mirrors'), { recursive: true });
        await git(['clone', '--mirror', '--quiet', url, dir]);
      } else {
        await git(['--git-dir', dir, 'remote', 'update', '--prune']);
      }
      this.#refs.delete(url);
    })().finally(() => this.#fetched.delete(url));
    this.#fetched.set(url, p);
    return p;
  }

  /** Forgets the refs read so far (call once per poll, so a poll costs one `git for-each-ref` per repo). */
  invalidate(): void {
    this.#refs.clear();
  }

  async #refsOf(url: string): Promise<{ refs: Map<string, string>; head: string | undefined }> {
    const cached = this.#refs.get(url);
    if (cached) return cached;
    let dir = this.gitDir(url);
    if (existsSync(join(dir, '.git'))) dir = join(dir, '.git');
    const out = await git(['--git-dir', dir, 'for-each-ref', '--format=%(objectname) %(*objectname) %(refname)']);
    const refs = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [sha, peeled, name] = line.split(' ');
      if (sha && name) refs.set(name, peeled || sha);
    }
    let head: string | undefined;
    try {
      const text = readFileSync(join(dir, 'HEAD'), 'utf8').trim();
      head = text.startsWith('ref: ') ? refs.get(text.slice(5)) : text;
    } catch {
      head = undefined;
    }
    const entry = { refs, head };
    this.#refs.set(url, entry);
    return entry;
  }

  /** Resolves a targetRevision (HEAD, branch, tag, SHA) to a commit SHA. */
  async resolve(url: string, revision: string | undefined): Promise<string> {
    const rev = !revision || revision === 'HEAD' ? 'HEAD' : revision;
    const { refs, head } = await this.#refsOf(url);
    const found = rev === 'HEAD' ? head : (refs.get(`refs/heads/${rev}`) ?? refs.get(`refs/tags/${rev}`) ?? refs.get(rev));
    if (found) return found;
    if (rev !== 'HEAD') {
      try {
        return (await git(['--git-dir', this.gitDir(url), 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim();
      } catch {
        // not a commit either
      }
    }
    throw new RepoError(`unable to resolve '${revision ?? 'HEAD'}' to a commit SHA`);
  }

  /** A directory holding the tree of a commit (cached, read-only by convention). */
  async checkout(url: string, sha: string): Promise<string> {
    const key = `${normalizeRepoURL(url)}@${sha}`;
    const cached = this.#checkouts.get(key);
    if (cached) return cached;
    const dir = join(this.#cacheDir, 'checkouts', createHash('sha1').update(key).digest('hex'));
    const p = (async () => {
      if (existsSync(join(dir, '.complete'))) return dir;
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const tar = `${dir}.tar`;
      await git(['--git-dir', this.gitDir(url), 'archive', '--format=tar', '-o', tar, sha]);
      await run('tar', ['-xf', tar, '-C', dir]);
      rmSync(tar, { force: true });
      await run('touch', [join(dir, '.complete')]);
      return dir;
    })();
    this.#checkouts.set(key, p);
    p.catch(() => this.#checkouts.delete(key));
    if (this.#checkouts.size > 200) {
      const oldest = this.#checkouts.keys().next().value;
      if (oldest !== undefined) this.#checkouts.delete(oldest);
    }
    return p;
  }

  /** Reads a file of a commit, or undefined when absent. */
  async readFile(url: string, sha: string, path: string): Promise<string | undefined> {
    const dir = await this.checkout(url, sha);
    const full = join(dir, path);
    if (relative(dir, full).startsWith('..') || !existsSync(full) || !statSync(full).isFile()) return undefined;
    return readFileSync(full, 'utf8');
  }

  /** Lists files (relative paths) under a directory of a commit. */
  async listFiles(url: string, sha: string, path: string): Promise<string[]> {
    const root = join(await this.checkout(url, sha), path);
    if (!existsSync(root) || !statSync(root).isDirectory()) return [];
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(relative(root, p));
      }
    };
    walk(root);
    return out.sort();
  }
}
