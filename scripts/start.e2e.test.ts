import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_ADMIN_URL } from '../api/test/support/test-database.ts';

// `npm start` as people run it on one machine: with a quiet log level, twice from two clones, and on a taken port.
const START = fileURLToPath(new URL('./start.ts', import.meta.url));
const dbs: Array<Awaited<ReturnType<typeof createTestDatabase>>> = [];
const procs: ChildProcess[] = [];
const dataDirs: string[] = [];
const dataDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `sp-${name}-`));
  dataDirs.push(d);
  return d;
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function start(env: Record<string, string>) {
  const proc = spawn(process.execPath, [START], { env: { ...process.env, HOST: '127.0.0.1', SIM_PORT: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  procs.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, exited, stdout: () => out, stderr: () => err };
}

async function ready(port: number, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok).catch(() => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

beforeAll(async () => {
  dbs.push(await createTestDatabase());
});
afterAll(async () => {
  for (const p of procs) {
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const db of dbs) await db.drop();
  // The databases the clones picked on the machine's PostgreSQL (never `store_platform` itself: that one was taken, or made here).
  const admin = new pg.Client({ connectionString: TEST_ADMIN_URL });
  await admin.connect();
  for (const d of dataDirs) {
    const file = join(d, 'database-name');
    if (existsSync(file)) await admin.query(`DROP DATABASE IF EXISTS "${readFileSync(file, 'utf8').trim()}" WITH (FORCE)`);
  }
  await admin.end();
});

describe('npm start on one machine', () => {
  it('two clones both come up with LOG_LEVEL=warn (the sim takes a free port); a third on a taken PORT exits 1 with one line', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    // No DATABASE_URL: each clone finds the machine's PostgreSQL and takes a database of its own there.
    const dirA = dataDir('clone-a');
    const dirB = dataDir('clone-b');
    const a = start({ DATABASE_URL: '', DATA_DIR: dirA, PORT: String(portA), LOG_LEVEL: 'warn' });
    expect(await ready(portA)).toBe(true);
    const b = start({ DATABASE_URL: '', DATA_DIR: dirB, PORT: String(portB), LOG_LEVEL: 'warn' });
    expect(await ready(portB)).toBe(true);
    expect(readFileSync(join(dirA, 'database-name'), 'utf8')).not.toBe(readFileSync(join(dirB, 'database-name'), 'utf8'));
    expect(a.proc.exitCode).toBeNull();
    expect(b.proc.exitCode).toBeNull();
    // Each serves its own data: an account in one is unknown to the other.
    const reg = await fetch(`http://127.0.0.1:${portA}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com', password: 'a long enough password' }) });
    expect(reg.status).toBe(201);
    const other = await fetch(`http://127.0.0.1:${portB}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com', password: 'a long enough password' }) });
    expect(other.status).toBe(401);

    const c = start({ DATABASE_URL: dbs[0]!.url, DATA_DIR: dataDir('clone-c'), PORT: String(portA), LOG_LEVEL: 'warn' });
    expect(await c.exited).toBe(1);
    expect(c.stderr().trim().split('\n')).toEqual([`start: port ${portA} is already in use (another \`npm start\`?); run with PORT=<free port> npm start`]);
  }, 300_000);
});
