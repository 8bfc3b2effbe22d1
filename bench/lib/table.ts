import type { RowResult } from './row.ts';

const n = (x: number) => {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
};

/** The results as the Markdown table of issue 12, then the machine and each row's notes. */
export function formatTable(doc: {
  machine: {
    cpus: number;
    cpuModel: string;
    memoryMiB: number;
    node: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
    date: string;
    gitSha: string;
  };
  rounds: number;
  smoke: boolean;
  rows: RowResult[];
}): string {
  const lines = [`| # | what | baseline (same run) | baseline | ours | ratio median (min–max) | goal | |`, `|---|---|---|---|---|---|---|---|`];
  for (const r of doc.rows) {
    const unit = r.unit ? ` ${r.unit}` : '';
    lines.push(
      `| ${r.row} | ${r.what} | ${r.baselineWhat} | ${n(r.baseline.median)}${unit} | ${n(r.figure.median)}${unit} | ${n(r.ratio.median)} (${n(r.ratio.min)}–${n(r.ratio.max)}) | ${r.goal} | ${r.met ? 'met' : '**missed**'} |`,
    );
  }
  const m = doc.machine;
  lines.push(
    '',
    `${doc.rounds} interleaved round(s)${doc.smoke ? ' (smoke sizes)' : ''}; ${m.cpus} × ${m.cpuModel}, ${m.memoryMiB} MiB, Node ${m.node}; load average ${m.loadAverageStart.join(' ')} at start, ${m.loadAverageEnd.join(' ')} at the end; ${m.date}; git ${m.gitSha.slice(0, 12)}${m.gitSha.endsWith('+dirty') ? '+dirty' : ''}.`,
    '',
  );
  for (const r of doc.rows) for (const note of r.notes) lines.push(`- row ${r.row}: ${note}`);
  return lines.join('\n');
}
