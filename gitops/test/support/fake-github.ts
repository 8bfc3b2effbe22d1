import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import express, { type NextFunction, type Request, type Response } from 'express';

const run = promisify(execFile);

/** A pull request as the fake keeps it (the fields of GitHub's REST shape that are used). */
export interface FakePull {
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergeCommitSha: string | null;
}

export interface FakeGitHubOptions {
  /** Token the API demands (`Authorization: token …` or `Bearer …`). */
  token: string;
  /** `owner/repo` → path of the bare repo the pull requests are about (e.g. served by git-http-server). */
  repos: Record<string, string>;
}

export interface FakeGitHub {
  /** Base URL to give Octokit as `baseUrl`. */
  url: string;
  pulls: FakePull[];
  /** Merges a pull request like GitHub's merge button (a real merge commit in the bare repo). */
  merge(number: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Test helper: a local stand-in for the few GitHub REST endpoints PullRequestGitWriter uses — list,
 * create, get and merge pull requests — over real bare repos, so the writer can be pointed at it or
 * at GitHub by configuration. Merges are real `git merge-tree` merges.
 */
export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const pulls: FakePull[] = [];
  const app = express();
  app.use(express.json());
  let url = '';

  const repoPath = (req: Request): string | undefined => options.repos[`${req.params.owner}/${req.params.repo}`];
  const present = (p: FakePull) => presentPull(p, url);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (!['token', 'bearer'].includes(scheme?.toLowerCase() ?? '') || token !== options.token) {
      res.status(401).json({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    next();
  });

  app.get('/repos/:owner/:repo/pulls', (req: Request, res: Response) => {
    if (!repoPath(req)) return void res.status(404).json({ message: 'Not Found' });
    const state = String(req.query.state ?? 'open');
    const head = req.query.head === undefined ? undefined : String(req.query.head);
    const base = req.query.base === undefined ? undefined : String(req.query.base);
    const found = pulls.filter(
      (p) =>
        p.owner === req.params.owner &&
        p.repo === req.params.repo &&
        (state === 'all' || p.state === state) &&
        (head === undefined || `${p.owner}:${p.head}` === head) &&
        (base === undefined || p.base === base),
    );
    res.json(found.map(present));
  });

  app.post('/repos/:owner/:repo/pulls', async (req: Request, res: Response) => {
    const path = repoPath(req);
    if (!path) return void res.status(404).json({ message: 'Not Found' });
    const { title, head, base, body } = req.body as Record<string, string | undefined>;
    if (!title || !head || !base)
      return void res.status(422).json({ message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'missing_field' }] });
    const headRef = head.includes(':') ? head.split(':')[1]! : head;
    if (!(await refExists(path, headRef)) || !(await refExists(path, base))) {
      return void res.status(422).json({ message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] });
    }
    const owner = req.params.owner as string;
    const repo = req.params.repo as string;
    if (pulls.some((p) => p.owner === owner && p.repo === repo && p.head === headRef && p.base === base && p.state === 'open')) {
      return void res.status(422).json({
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${headRef}.` }],
      });
    }
    const pull: FakePull = {
      number: pulls.length + 1,
      owner,
      repo,
      title,
      body: body ?? null,
      head: headRef,
      base,
      state: 'open',
      merged: false,
      mergeCommitSha: null,
    };
    pulls.push(pull);
    res.status(201).json(present(pull));
  });

  app.get('/repos/:owner/:repo/pulls/:number', (req: Request, res: Response) => {
    const pull = pulls.find((p) => p.owner === req.params.owner && p.repo === req.params.repo && p.number === Number(req.params.number));
    if (!pull) return void res.status(404).json({ message: 'Not Found' });
    res.json(present(pull));
  });

  app.put('/repos/:owner/:repo/pulls/:number/merge', async (req: Request, res: Response) => {
    const pull = pulls.find((p) => p.owner === req.params.owner && p.repo === req.params.repo && p.number === Number(req.params.number));
    if (!pull) return void res.status(404).json({ message: 'Not Found' });
    try {
      const sha = await merge(pull);
      res.json({ sha, merged: true, message: 'Pull Request successfully merged' });
    } catch (err) {
      res.status(405).json({ message: (err as Error).message });
    }
  });

  async function merge(pull: FakePull): Promise<string> {
    const path = options.repos[`${pull.owner}/${pull.repo}`];
    if (!path || pull.state !== 'open') throw new Error('Pull Request is not mergeable');
    const base = (await git(path, 'rev-parse', `refs/heads/${pull.base}`)).trim();
    const head = (await git(path, 'rev-parse', `refs/heads/${pull.head}`)).trim();
    let tree: string;
    try {
      tree = (await git(path, 'merge-tree', '--write-tree', base, head)).split('\n')[0]!.trim();
    } catch {
      throw new Error('Merge conflict');
    }
    const sha = (
      await git(path, 'commit-tree', tree, '-p', base, '-p', head, '-m', `Merge pull request #${pull.number} from ${pull.owner}/${pull.head}`)
    ).trim();
    await git(path, 'update-ref', `refs/heads/${pull.base}`, sha, base);
    pull.state = 'closed';
    pull.merged = true;
    pull.mergeCommitSha = sha;
    return sha;
  }

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pulls,
    merge: (number) => {
      const pull = pulls.find((p) => p.number === number);
      if (!pull) return Promise.reject(new Error(`no pull request #${number}`));
      return merge(pull);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function presentPull(p: FakePull, url: string) {
  return {
    url: `${url}/repos/${p.owner}/${p.repo}/pulls/${p.number}`,
    html_url: `https://github.example/${p.owner}/${p.repo}/pull/${p.number}`,
    number: p.number,
    state: p.state,
    title: p.title,
    body: p.body,
    merged: p.merged,
    merged_at: p.merged ? new Date(0).toISOString() : null,
    merge_commit_sha: p.mergeCommitSha,
    head: { ref: p.head, label: `${p.owner}:${p.head}` },
    base: { ref: p.base, label: `${p.owner}:${p.base}` },
  };
}

async function refExists(path: string, branch: string): Promise<boolean> {
  try {
    await git(path, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`);
    return true;
  } catch {
    return false;
  }
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'GitHub',
    GIT_AUTHOR_EMAIL: 'noreply@github.example',
    GIT_COMMITTER_NAME: 'GitHub',
    GIT_COMMITTER_EMAIL: 'noreply@github.example',
  };
  return (await run('git', args, { cwd, env })).stdout;
}
