import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from '../load-generator.ts';

export type { LoadResult };
const GENERATOR = fileURLToPath(new URL('../load-generator.ts', import.meta.url));

export type LoadSpec = {
  url: string;
  connections: number;
  requests: Array<{ method: string; path: string; headers?: Record<string, string>; body?: string }>;
  durationMs?: number;
  warmupMs?: number;
};

/** Runs bench/load-generator.ts in its own process against `spec.url` and returns what it measured. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-load-'));
  try {
    const file = join(dir, 'spec.json');
    await writeFile(file, JSON.stringify(spec));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [GENERATOR, file], { maxBuffer: 64 * 2 ** 20 }, (err, out, errOut) =>
        err ? reject(new Error(`load generator failed: ${err.message}\n${errOut}`)) : resolve(out),
      ),
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
