// `npm run bench`: the speed-and-scale table of issue 12. Every row measures its baseline in the same run,
// interleaved with our figure (baseline, ours, baseline, ours… for --rounds rounds), and reports the
// ratio's min/median/max, the goal and whether it is met. Prints a Markdown table and writes
// bench/results.json (or --out) with the machine it ran on. Not a test: nothing here asserts a time.
//
//   npm run bench                                  every row, full sizes, 3 rounds
//   npm run bench -- --row 1,2 --stores 10000      some rows; sizes as flags (see each row's num() calls)
//   npm run bench -- --smoke                       tiny sizes, 1 round (bench/bench-smoke.test.ts runs it)
//
// Flags: --rounds N, --out FILE, --row LIST, --merge FILE (keep that file's other rows); row 1 --stores --stores-per-user --connections --duration(s);
// row 2 --creates --create-concurrency; row 3 --commit-rounds; row 4 --burst --burst-timeout(s)
// --variants one-process,two-processes --baseline-commits; row 5 --folders --folders-baseline --runs;
// row 6 --applications; row 7 --renders; row 9 --rss-stores.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, release, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failedRow, type BenchOptions, type RowResult } from './lib/row.ts';
import { formatTable } from './lib/table.ts';
import { apiListRow } from './rows/api-list.ts';
import { apiCreateRow } from './rows/api-create.ts';
import { commitLatencyRow } from './rows/commit-latency.ts';
import { burstRows } from './rows/burst.ts';
import { gitScalingRow } from './rows/git-scaling.ts';
import { statusCycleRow } from './rows/status-cycle.ts';
import { renderRow } from './rows/render.ts';
import { pageWeightRow } from './rows/page-weight.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `--name value`, `--name=value`, or a bare `--name` (true). */
export function parseFlags(argv: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)} (flags are --name value)`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = 'true';
  }
  return out;
}

const ROW_NAMES: Record<number, string> = {
  1: 'GET /api/v1/stores under load',
  2: 'POST /api/v1/stores under load',
  3: '202 → commit sha recorded',
  4: 'burst of stores → all Ready',
  5: 'commit+push at many folders',
  6: 'status cycle after a commit',
  7: 'renderStore',
  8: 'store list page JavaScript',
  9: 'RSS of one API+worker process',
};

const flags = parseFlags(process.argv.slice(2));
const smoke = flags.smoke === 'true';
const rounds = Number(flags.rounds ?? (smoke ? 1 : 3));
const wanted = (flags.row ?? '1,2,3,4,5,6,7,8,9').split(',').map((s) => Number(s.trim()));
for (const w of wanted) if (!ROW_NAMES[w]) throw new Error(`--row: no row ${w} (rows 1–9)`);
const out = resolve(flags.out ?? join(root, 'bench', 'results.json'));
const started = Date.now();
const log = (msg: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const o: BenchOptions = { rounds, smoke, flags, log };

const gitSha = (() => {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
})();
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryMiB: Math.round(totalmem() / 2 ** 20),
  freeMemoryMiBAtStart: Math.round(freemem() / 2 ** 20),
  os: `${platform()} ${release()}`,
  node: process.version,
  loadAverageStart: loadavg().map((x) => Number(x.toFixed(2))),
  loadAverageEnd: [] as number[],
  date: new Date().toISOString(),
  gitSha,
};
log(`rows ${wanted.join(',')}, ${rounds} round(s)${smoke ? ', smoke sizes' : ''}; ${machine.cpus} cpus, load ${machine.loadAverageStart.join(' ')}`);

const results = new Map<number, RowResult>();
// --merge FILE: rows of an earlier results.json that this run does not redo are kept (each says so).
const carried: RowResult[] = [];
let carriedFrom: unknown;
if (flags.merge) {
  const earlier = JSON.parse(readFileSync(resolve(flags.merge), 'utf8')) as { machine: { date: string; gitSha: string }; rows: RowResult[] };
  carriedFrom = earlier.machine;
  for (const r of earlier.rows)
    if (!wanted.includes(r.row))
      carried.push({ ...r, notes: [...r.notes, `from an earlier run (${earlier.machine.date}, git ${earlier.machine.gitSha.slice(0, 12)})`] });
}
async function attempt(row: number, fn: () => Promise<RowResult | RowResult[]>) {
  const t0 = Date.now();
  log(`row ${row}: ${ROW_NAMES[row]}`);
  try {
    const got = await fn();
    for (const r of Array.isArray(got) ? got : [got]) if (wanted.includes(r.row)) results.set(r.row, r);
  } catch (err) {
    log(`row ${row} failed: ${(err as Error).stack ?? err}`);
    results.set(row, failedRow(row, ROW_NAMES[row]!, err));
  }
  log(`row ${row} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  writeResults();
}

/** results.json after every row (a later row that hangs or crashes does not lose the earlier ones). */
function writeResults() {
  machine.loadAverageEnd = loadavg().map((x) => Number(x.toFixed(2)));
  const rows = [...new Set(wanted)].sort((x, y) => x - y).map((w) => results.get(w) ?? failedRow(w, ROW_NAMES[w]!, new Error('not run')));
  const all = [...rows, ...carried.filter((c) => !wanted.includes(c.row))].sort((x, y) => x.row - y.row);
  const doc = {
    machine,
    smoke,
    rounds,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    rows: all,
    ...(carried.length ? { mergedFrom: carriedFrom } : {}),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  return doc;
}

for (const row of wanted) {
  if (results.has(row)) continue; // row 9 comes with row 4 when both run
  if (row === 1) await attempt(1, () => apiListRow(o));
  if (row === 2) await attempt(2, () => apiCreateRow(o));
  if (row === 3) await attempt(3, () => commitLatencyRow(o));
  if (row === 4 || row === 9) await attempt(row, () => burstRows(o, { row4: wanted.includes(4), row9: wanted.includes(9) }));
  if (row === 5) await attempt(5, () => gitScalingRow(o));
  if (row === 6) await attempt(6, () => statusCycleRow(o));
  if (row === 7) await attempt(7, () => renderRow(o));
  if (row === 8) await attempt(8, () => pageWeightRow(o, root));
}

const finalDoc = writeResults();
console.log(formatTable(finalDoc));
log(`wrote ${out}`);
// Child processes (git, helm) of finished rows are gone; a lingering handle must not keep the bench up.
process.exit(0);
