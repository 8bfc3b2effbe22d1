// Row 7: renderStore against yaml.stringify of the very documents it renders (the YAML library's cost
// alone): stores rendered per second, each side time-boxed, interleaved.
import { parseAllDocuments, stringify } from 'yaml';
import { finishRow, num, type BenchOptions, type Round, type RowResult } from '../lib/row.ts';
import { benchStore, renderStore, RENDER_SETTINGS } from '../lib/fixtures.ts';

function perSecond(ms: number, step: (i: number) => unknown): number {
  let i = 0;
  let sink = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const r = step(i++);
    sink += (r as unknown[]).length;
  }
  if (sink < 0) throw new Error('unreachable');
  return (i * 1000) / (performance.now() - t0);
}

export async function renderRow(o: BenchOptions): Promise<RowResult> {
  const ms = num(o, 'render-ms', 2000, 100);
  const stores = Array.from({ length: 50 }, (_, i) => benchStore(i + 1));
  const docs = stores.map((s) => renderStore(s, RENDER_SETTINGS).map((f) => parseAllDocuments(f.content).map((d) => d.toJS())));
  const ours = (i: number) => renderStore(stores[i % stores.length]!, RENDER_SETTINGS);
  const bare = (i: number) => docs[i % docs.length]!.map((file) => file.map((d) => stringify(d, { lineWidth: 0 })).join('---\n'));
  perSecond(Math.min(300, ms), ours); // warm-up (JIT)
  perSecond(Math.min(300, ms), bare);
  const rounds: Round[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const b = perSecond(ms, bare);
    const f = perSecond(ms, ours);
    o.log(`  row 7 round ${r + 1}: yaml.stringify ${b.toFixed(0)}/s, renderStore ${f.toFixed(0)}/s`);
    rounds.push({ baseline: b, figure: f });
  }
  return finishRow({
    row: 7,
    what: '`renderStore`',
    baselineWhat: '`yaml.stringify` of the same documents',
    unit: 'stores/s',
    better: 'higher',
    sizes: { files: docs[0]!.length, msPerSide: ms },
    rounds,
    goal: '≥ 0.9 (keep)',
    judge: (ratio) => ({ met: ratio.median >= 0.9 }),
  });
}
