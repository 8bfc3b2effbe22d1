import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
/** One data folder per test process: replicas spawned by one test share generated secrets, the repo's .data is untouched. */
const DATA_DIR = mkdtempSync(join(tmpdir(), 'sp-api-data-'));

/** Runs `api/src/main.ts` as its own process on a random port; resolves once it listens. */
export async function spawnApi(
  env: Record<string, string>,
): Promise<{ baseUrl: string; proc: ChildProcess; output: () => string; stop(signal?: NodeJS.Signals): Promise<void>; crash(): void }> {
  // Its own process group, so `crash()` kills it with its children (git) at once, as a container kill does.
  const proc = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`api did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /"port":(\d+)[^\n]*listening/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`api exited with ${code}:\n${out}`));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    proc,
    output: () => out,
    crash: () => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    },
  };
}
