// Row 5: one store's commit+push (fetch, build, push: GitWriter as a provision run uses it) in a repo of
// many store folders against the same in a repo of 100; both repos packed, served by git http-backend.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHttpServer } from '../../gitops/test/support/git-http-server.ts';
import { finishRow, num, type BenchOptions, type Round, type RowResult } from '../lib/row.ts';
import { writerRepo, type WriterRun } from '../lib/writer-repo.ts';
import { median } from '../lib/stats.ts';

export async function gitScalingRow(o: BenchOptions): Promise<RowResult> {
  const big = num(o, 'folders', 10_000, 20);
  const small = num(o, 'folders-baseline', 100, 5);
  const runs = num(o, 'runs', 5, 1);
  const root = await mkdtemp(join(tmpdir(), 'bench-git-scaling-'));
  const server = await startGitHttpServer({ projectRoot: root, auth: { token: 'bench' } });
  try {
    o.log(`  row 5: seeding repos of ${small} and ${big} store folders`);
    const a = await writerRepo(root, server, small, { token: 'bench' });
    const b = await writerRepo(root, server, big, { token: 'bench' });
    const rounds: Round[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const base: WriterRun[] = [];
      const ours: WriterRun[] = [];
      for (let k = 0; k < runs; k++) {
        base.push(await a.addStore());
        ours.push(await b.addStore());
      }
      const pick = (xs: typeof base) => ({
        totalMs: median(xs.map((x) => x.totalMs)),
        fetchMs: median(xs.map((x) => x.fetchMs)),
        commitMs: median(xs.map((x) => x.commitMs)),
        pushMs: median(xs.map((x) => x.pushMs)),
      });
      const pb = pick(base);
      const po = pick(ours);
      o.log(`  row 5 round ${r + 1}: ${small} folders ${pb.totalMs.toFixed(0)} ms, ${big} folders ${po.totalMs.toFixed(0)} ms`);
      rounds.push({ baseline: pb.totalMs, figure: po.totalMs, extra: { baseline: pb, ours: po } });
    }
    await a.close();
    await b.close();
    const last = rounds.at(-1)!.extra as { baseline: Record<string, number>; ours: Record<string, number> };
    const f = (x: Record<string, number>) => `fetch ${x.fetchMs!.toFixed(0)} + build ${x.commitMs!.toFixed(0)} + push ${x.pushMs!.toFixed(0)} ms`;
    return finishRow({
      row: 5,
      what: `one store's commit+push at ${big} folders`,
      baselineWhat: `same at ${small} folders`,
      unit: 'ms',
      better: 'lower',
      sizes: { folders: big, baselineFolders: small, runsPerRound: runs },
      rounds,
      goal: '≤ 1.3',
      judge: (ratio) => ({ met: ratio.median <= 1.3 }),
      notes: [`last round, medians: ${big} folders ${f(last.ours)}; ${small} folders ${f(last.baseline)}`],
    });
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
