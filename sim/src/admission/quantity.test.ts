import { describe, expect, it } from 'vitest';
import { InvalidQuantityError, parseQuantity } from './quantity.ts';

describe('parseQuantity', () => {
  it('reads cpu millicores as cores', () => {
    expect(parseQuantity('250m')).toBe(0.25);
    expect(parseQuantity('1')).toBe(1);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity(2)).toBe(2);
  });

  it('reads binary and decimal memory suffixes as bytes', () => {
    expect(parseQuantity('1Gi')).toBe(1073741824);
    expect(parseQuantity('128Mi')).toBe(134217728);
    expect(parseQuantity('500M')).toBe(500_000_000);
    expect(parseQuantity('1k')).toBe(1000);
    expect(parseQuantity('1Ki')).toBe(1024);
  });

  it('reads decimal exponents', () => {
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('12E-1')).toBeCloseTo(1.2);
  });

  it('refuses strings that are not quantities', () => {
    for (const bad of ['', 'abc', '1GB', '1 Gi', '--1', '1.2.3', 'Gi']) {
      expect(() => parseQuantity(bad), bad).toThrow(InvalidQuantityError);
    }
  });
});
