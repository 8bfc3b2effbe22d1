// Benchmark: GitWriter commit + push time against the number of store folders in the repo.
// Usage: node bench/git-writer.bench.ts [--sizes 100,2000] [--runs 10]
// The repo is a bare repo served by the real `git http-backend`; each run adds one new store.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { GitWriter } from '../gitops/src/git-writer.ts';
import { renderStore, type RenderableStore } from '../renderer/src/render-store.ts';
import { createBareRepo, startGitHttpServer } from '../gitops/test/support/git-http-server.ts';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100,2000' }, runs: { type: 'string', default: '10' } } });
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const SETTINGS = { repoUrl: 'http://example.invalid/gitops.git', targetRevision: 'main' };
const sealed = Object.fromEntries(['AUTH_KEY', 'mysql-password'].map((k) => [k, Buffer.alloc(530, 1).toString('base64')]));
const store = (n: number): RenderableStore => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `Store ${n}`,
  domain: `s${n}.example.com`,
  ownerId: 'owner',
  sealedSecrets: sealed,
});

const root = await mkdtemp(join(tmpdir(), 'bench-git-'));
const server = await startGitHttpServer({ projectRoot: root, auth: { token: 'bench' } });
const rows: string[][] = [];
try {
  for (const size of sizes) {
    await createBareRepo(root, `s${size}.git`);
    const cacheDir = join(root, `cache-${size}`);
    const w = new GitWriter({ remote: server.repoUrl(`s${size}.git`), auth: { token: 'bench' }, cacheDir });
    await w.init([{ path: 'README.md', content: '# bench\n' }]);
    await w.apply(Array.from({ length: size }, (_, i) => renderStore(store(i + 1), SETTINGS)).flat(), `Seed ${size} stores`);
    // Steady state: a long-lived repo and cache are packed (git gc on the server, the writer's periodic
    // gc --auto and its fetches); the seed commit above left tens of thousands of loose objects.
    await exec('git', ['repack', '-a', '-d', '-q'], { cwd: join(root, `s${size}.git`) });
    await exec('git', ['repack', '-a', '-d', '-q'], { cwd: cacheDir });
    await w.apply(renderStore(store(size + 1), SETTINGS), 'warm-up');
    const fetchMs: number[] = [];
    const commitMs: number[] = [];
    const pushMs: number[] = [];
    const totalMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const files = renderStore(store(size + 2 + r), SETTINGS);
      const t0 = performance.now();
      const tip = await w.fetch('main');
      const t1 = performance.now();
      const sha = await w.buildCommit(tip, files, `Add store ${size + 2 + r}`);
      const t2 = performance.now();
      if (!sha || !(await w.push(sha, 'main'))) throw new Error('push rejected in a single-writer bench');
      const t3 = performance.now();
      fetchMs.push(t1 - t0);
      commitMs.push(t2 - t1);
      pushMs.push(t3 - t2);
      totalMs.push(t3 - t0);
    }
    rows.push([String(size), ...[fetchMs, commitMs, pushMs, totalMs].map((xs) => median(xs).toFixed(1))]);
    await w.close();
  }
} finally {
  await server.close();
  await rm(root, { recursive: true, force: true });
}

const head = ['store folders', 'fetch ms', 'commit ms (object DB)', 'push ms (git CLI)', 'apply total ms'];
console.log(`GitWriter: one store added per commit, median of ${runs} runs, over git http-backend, packed repos`);
console.log(table([head, ...rows]));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
function table(t: string[][]): string {
  const widths = t[0]!.map((_, i) => Math.max(...t.map((r) => r[i]!.length)));
  return t.map((r) => `| ${r.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`).join('\n');
}
