import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// The harness must not rot: every row runs at tiny sizes and reports its numbers. Nothing here asserts a time.
describe('npm run bench -- --smoke', () => {
  it('runs all nine rows and writes results.json with the machine, a baseline, a figure and a ratio for each', { timeout: 240_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    const out = join(dir, 'results.json');
    const { stdout } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(process.execPath, [RUN, '--smoke', '--out', out], { maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
      ),
    );
    const doc = JSON.parse(await readFile(out, 'utf8'));
    expect(doc.smoke).toBe(true);
    expect(doc.machine).toMatchObject({ cpus: expect.any(Number), node: process.version, gitSha: expect.any(String), date: expect.any(String) });
    expect(doc.machine.loadAverageStart).toHaveLength(3);
    expect(doc.machine.loadAverageEnd).toHaveLength(3);
    expect(doc.rows.map((r: { row: number }) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const r of doc.rows) {
      const failed = r.notes.filter((n: string) => n.startsWith('row failed'));
      expect(failed, `row ${r.row}`).toEqual([]);
      expect(r.rounds, `row ${r.row}`).toHaveLength(1);
      for (const k of ['baseline', 'figure', 'ratio']) {
        for (const s of ['min', 'median', 'max']) expect(Number.isFinite(r[k][s]), `row ${r.row} ${k}.${s}`).toBe(true);
      }
      expect(r.ratio.median).toBeCloseTo(r.figure.median / r.baseline.median, 6);
      expect(typeof r.met).toBe('boolean');
      expect(r.goal).not.toBe('');
      expect(stdout).toContain(`| ${r.row} | ${r.what} |`);
    }
    // Row 4 counted what it promises to count.
    const burst = doc.rows.find((r: { row: number }) => r.row === 4).details.rounds[0].variants['one-process'];
    expect(burst).toMatchObject({
      accepted: expect.any(Number),
      http5xx: expect.any(Number),
      auditExpected: expect.any(Number),
      auditFound: expect.any(Number),
    });
    expect(burst.commitsPerStore.once + burst.commitsPerStore.never + burst.commitsPerStore.moreThanOnce).toBe(burst.accepted);
  });
});
