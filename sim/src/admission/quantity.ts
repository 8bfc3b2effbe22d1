/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), as plain numbers:
 * cpu in cores ("250m" → 0.25), memory and storage in bytes ("1Gi" → 1073741824, "500M" → 5e8),
 * decimal exponents ("1e3" → 1000). Integers given as YAML numbers are accepted as Kubernetes does.
 */

/** Thrown for a string that is not a Kubernetes quantity. */
export class InvalidQuantityError extends Error {
  readonly quantity: string;
  constructor(quantity: string) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(quantity)}`);
    this.name = 'InvalidQuantityError';
    this.quantity = quantity;
  }
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$/;

/** Parses a quantity to a number (cores for cpu, bytes for memory/storage). */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new InvalidQuantityError(String(q));
    return q;
  }
  const match = QUANTITY.exec(q.trim());
  if (!match || q.trim() !== q) throw new InvalidQuantityError(q);
  const value = Number(match[1]);
  const suffix = match[2];
  const exponent = match[3];
  if (exponent !== undefined) return value * 10 ** Number(exponent);
  if (suffix === undefined) return value;
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  if (factor === undefined) throw new InvalidQuantityError(q);
  // Round away float noise from the decimal sub-unit factors ("250m" → 0.25, not 0.25000000000000006).
  return Number((value * factor).toPrecision(15));
}

/** True when the value parses as a quantity. */
export function isQuantity(q: unknown): boolean {
  if (typeof q !== 'string' && typeof q !== 'number') return false;
  try {
    parseQuantity(q);
    return true;
  } catch {
    return false;
  }
}
