/**
 * Kubernetes resource quantities (`250m`, `1`, `512Mi`, `20Gi`, `1e3`), enough to compare and add the
 * sizes of a plan. Binary suffixes are powers of 1024, decimal ones powers of 1000, `m` is a thousandth.
 */
const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+]?[0-9]+(?:\.[0-9]+)?|[+]?\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/;

/** True for a quantity string the API server accepts (non-negative, as a plan needs). */
export function isQuantity(v: string): boolean {
  return QUANTITY.test(v);
}

/** The quantity's value (bytes, cores); throws on a string that is not a quantity. */
export function parseQuantity(v: string): number {
  const m = QUANTITY.exec(v);
  if (!m) throw new Error(`not a quantity: ${JSON.stringify(v)}`);
  const [, num, suffix = ''] = m;
  if (/^[eE]/.test(suffix)) return Number(num) * 10 ** Number(suffix.slice(1));
  return Number(num) * (SUFFIX[suffix] as number);
}

/** Bytes as the largest binary unit that divides them (`70Gi`, `1536Mi`), else plain bytes. */
export function formatBytes(bytes: number): string {
  for (const [suffix, f] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${suffix}`;
  }
  return String(bytes);
}
