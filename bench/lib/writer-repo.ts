import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GitWriter } from '../../gitops/src/git-writer.ts';
import { createBareRepo, type GitHttpServer } from '../../gitops/test/support/git-http-server.ts';
import { benchStore, renderStore, RENDER_SETTINGS } from './fixtures.ts';

const exec = promisify(execFile);

export type WriterRun = { fetchMs: number; commitMs: number; pushMs: number; totalMs: number };

/**
 * A bare repo holding `size` store folders, served by `server`, and a GitWriter on it in steady state
 * (repo and cache packed, as a long-lived repo is after git gc / gc --auto; one warm-up commit made).
 * `addStore()` adds one new store per call as a provision run does: fetch, build the commit, push.
 */
export async function writerRepo(root: string, server: GitHttpServer, size: number, auth?: { token: string }) {
  await createBareRepo(root, `s${size}.git`);
  const cacheDir = join(root, `cache-${size}`);
  const w = new GitWriter({ remote: server.repoUrl(`s${size}.git`), ...(auth ? { auth } : {}), cacheDir });
  await w.init([{ path: 'README.md', content: '# bench\n' }]);
  await w.apply(Array.from({ length: size }, (_, i) => renderStore(benchStore(i + 1), RENDER_SETTINGS)).flat(), `Seed ${size} stores`);
  await exec('git', ['repack', '-a', '-d', '-q'], { cwd: join(root, `s${size}.git`) });
  await exec('git', ['repack', '-a', '-d', '-q'], { cwd: cacheDir });
  await w.apply(renderStore(benchStore(size + 1), RENDER_SETTINGS), 'warm-up');
  let next = size + 2;
  return {
    async addStore(): Promise<WriterRun> {
      const n = next++;
      const files = renderStore(benchStore(n), RENDER_SETTINGS);
      const t0 = performance.now();
      const tip = await w.fetch('main');
      const t1 = performance.now();
      const sha = await w.buildCommit(tip, files, `Add store ${n}`);
      const t2 = performance.now();
      if (!sha || !(await w.push(sha, 'main'))) throw new Error('push rejected in a single-writer bench');
      const t3 = performance.now();
      return { fetchMs: t1 - t0, commitMs: t2 - t1, pushMs: t3 - t2, totalMs: t3 - t0 };
    },
    close: () => w.close(),
  };
}
