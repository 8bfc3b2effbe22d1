import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_TERMINAL_PROMPT: '0',
};

export const git = async (cwd: string, ...args: string[]) => (await exec('git', args, { cwd, env: ENV, maxBuffer: 256 * 2 ** 20 })).stdout;

/**
 * The physical limit of a commit with the git CLI: a clone of `remote`; `commitAndPush(files)` writes the
 * files, `git add`, `git commit`, `git push` (to `branch`, so the platform's branch is left alone).
 */
export async function cliClone(remote: string, dir: string, branch: string) {
  await exec('git', ['clone', '-q', remote, dir], { env: ENV });
  await git(dir, 'config', 'gc.auto', '0');
  await git(dir, 'checkout', '-q', '-B', branch);
  return {
    async commitAndPush(files: Array<{ path: string; content: string }>, message: string): Promise<number> {
      const t0 = performance.now();
      for (const f of files) {
        await mkdir(dirname(join(dir, f.path)), { recursive: true });
        await writeFile(join(dir, f.path), f.content);
      }
      await git(dir, 'add', '-A');
      await git(dir, 'commit', '-q', '-m', message);
      await git(dir, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
      return performance.now() - t0;
    },
  };
}

/** For each store folder `stores/<id>/`, how many commits of `branch` touched it. */
export async function commitsPerStore(repoPath: string, branch = 'main'): Promise<Map<string, number>> {
  const out = await git(repoPath, 'log', '--format=@%H', '--name-only', branch);
  const counts = new Map<string, number>();
  let seen = new Set<string>();
  for (const line of out.split('\n')) {
    if (line.startsWith('@')) {
      for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
      seen = new Set();
      continue;
    }
    const m = /^stores\/([^/]+)\//.exec(line);
    if (m) seen.add(m[1]!);
  }
  for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
