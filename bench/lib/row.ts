import { spread, type Spread } from './stats.ts';

/** One interleaved round: the baseline measured right before our figure. */
export type Round = { baseline: number; figure: number; extra?: Record<string, unknown> };

/** What a row reports: the same shape for every row, so results.json and the table are uniform. */
export type RowResult = {
  row: number;
  what: string;
  /** What the baseline is, and the unit of `baseline`/`figure`. */
  baselineWhat: string;
  unit: string;
  /** `higher`: ratio = figure / baseline and bigger is better; `lower`: ratio = figure / baseline, smaller is better. */
  better: 'higher' | 'lower';
  sizes: Record<string, number | string>;
  rounds: Round[];
  baseline: Spread;
  figure: Spread;
  ratio: Spread;
  goal: string;
  met: boolean;
  /** Why a goal is missed, secondary figures (p99, error counts…), one line each. */
  notes: string[];
  details: Record<string, unknown>;
};

export type RowSpec = Omit<RowResult, 'baseline' | 'figure' | 'ratio' | 'met' | 'notes' | 'details'> & {
  /** Decides met/missed from the ratio spread (median) and the rounds' extras. */
  judge: (ratio: Spread, rounds: Round[]) => { met: boolean; notes?: string[] };
  details?: Record<string, unknown>;
  notes?: string[];
};

export function finishRow(spec: RowSpec): RowResult {
  const { judge, details, notes, ...rest } = spec;
  const ratio = spread(spec.rounds.map((r) => r.figure / r.baseline));
  const verdict = judge(ratio, spec.rounds);
  return {
    ...rest,
    baseline: spread(spec.rounds.map((r) => r.baseline)),
    figure: spread(spec.rounds.map((r) => r.figure)),
    ratio,
    met: verdict.met,
    notes: [...(notes ?? []), ...(verdict.notes ?? [])],
    details: details ?? {},
  };
}

/** A row that could not run: present in the results (so a missing row is visible), with the reason. */
export function failedRow(row: number, what: string, err: unknown): RowResult {
  const nan = { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  return {
    row,
    what,
    baselineWhat: '',
    unit: '',
    better: 'higher',
    sizes: {},
    rounds: [],
    baseline: nan,
    figure: nan,
    ratio: nan,
    goal: '',
    met: false,
    notes: [`row failed: ${(err as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(err)}`],
    details: {},
  };
}

/** Bench options every row sees. */
export type BenchOptions = {
  rounds: number;
  smoke: boolean;
  flags: Record<string, string | undefined>;
  log: (msg: string) => void;
};

export function num(o: BenchOptions, name: string, full: number, smoke: number): number {
  const v = o.flags[name];
  if (v !== undefined && v !== '') {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(v)}`);
    return n;
  }
  return o.smoke ? smoke : full;
}
