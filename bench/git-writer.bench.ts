// Benchmark: GitWriter commit + push time against the number of store folders in the repo.
// Usage: node bench/git-writer.bench.ts [--sizes 100,2000] [--runs 10]
// The repo is a bare repo served by the real `git http-backend`; each run adds one new store.
// (Row 5 of `npm run bench` uses the same repos, bench/lib/writer-repo.ts, interleaving two sizes.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGitHttpServer } from '../gitops/test/support/git-http-server.ts';
import { writerRepo, type WriterRun } from './lib/writer-repo.ts';
import { median } from './lib/stats.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100,2000' }, runs: { type: 'string', default: '10' } } });
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);

const root = await mkdtemp(join(tmpdir(), 'bench-git-'));
const server = await startGitHttpServer({ projectRoot: root, auth: { token: 'bench' } });
const rows: string[][] = [];
try {
  for (const size of sizes) {
    const repo = await writerRepo(root, server, size, { token: 'bench' });
    const got: WriterRun[] = [];
    for (let r = 0; r < runs; r++) got.push(await repo.addStore());
    rows.push([String(size), ...(['fetchMs', 'commitMs', 'pushMs', 'totalMs'] as const).map((k) => median(got.map((g) => g[k])).toFixed(1))]);
    await repo.close();
  }
} finally {
  await server.close();
  await rm(root, { recursive: true, force: true });
}

const head = ['store folders', 'fetch ms', 'commit ms (object DB)', 'push ms (git CLI)', 'apply total ms'];
console.log(`GitWriter: one store added per commit, median of ${runs} runs, over git http-backend, packed repos`);
console.log(table([head, ...rows]));

function table(t: string[][]): string {
  const widths = t[0]!.map((_, i) => Math.max(...t.map((r) => r[i]!.length)));
  return t.map((r) => `| ${r.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`).join('\n');
}
