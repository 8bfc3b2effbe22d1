import { describe, expect, it } from 'vitest';
import { formatBytes, formatValue, linePath, peak } from '../src/lib/usage-chart.ts';
import { usageRange } from '../src/lib/server/load-store-usage.ts';

const at = (s: number) => new Date(s * 1000).toISOString();

describe('usage charts', () => {
  it('writes bytes in binary units and cores and restarts in words', () => {
    expect([formatBytes(512), formatBytes(500 * 1024 ** 2), formatBytes(1.5 * 1024 ** 3), formatBytes(15 * 1024 ** 3)]).toEqual(['512 B', '500 MiB', '1.5 GiB', '15 GiB']);
    expect([formatValue(0.25, 'cores'), formatValue(0.0123, 'cores'), formatValue(1, 'cores'), formatValue(1, 'restarts'), formatValue(3, 'restarts')]).toEqual(['0.25 cores', '0.012 cores', '1 core', '1 restart', '3 restarts']);
  });

  it('maps time across and values up, and breaks the line where data is missing', () => {
    const box = { start: 0, end: 600_000, max: 10, width: 100, height: 50, stepMs: 60_000 };
    expect(linePath([{ at: at(0), value: 0 }, { at: at(60), value: 10 }, { at: at(300), value: 5 }, { at: at(360), value: 5 }], box)).toBe('M0.0 50.0 L10.0 0.0 M50.0 25.0 L60.0 25.0');
    expect(linePath([], box)).toBe('');
    // An all-zero series is drawn along the bottom, not divided by zero.
    expect(linePath([{ at: at(0), value: 0 }], { ...box, max: 0 })).toBe('M0.0 50.0');
  });

  it('takes the peak over several series, and only known ranges from the URL', () => {
    expect(peak({ unit: 'bytes', points: [{ at: at(0), value: 2 }] }, { unit: 'bytes', points: [{ at: at(0), value: 15 }] })).toBe(15);
    expect([usageRange('7d'), usageRange('30d'), usageRange(null), usageRange('1h) or vector(1')]).toEqual(['7d', '1h', '1h', '1h']);
  });
});
