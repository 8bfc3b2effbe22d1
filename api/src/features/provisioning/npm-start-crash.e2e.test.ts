import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/test-database.ts';
import { requestJson } from '../../../test/support/request-json.ts';
import { JOBS } from '../../jobs/job-queue.ts';

// `npm start` as a user runs it (scripts/start.ts: sim child, API and worker in one process group),
// killed with SIGKILL while its 5 stores are Pending and their jobs locked, then started again.
const START = fileURLToPath(new URL('../../../../scripts/start.ts', import.meta.url));

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const dataDir = mkdtempSync(join(tmpdir(), 'sp-npm-start-'));
const running: ChildProcess[] = [];

function kill9(p: ChildProcess) {
  try {
    process.kill(-p.pid!, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** `node scripts/start.ts` in its own process group; resolves with its URL once it listens. */
async function npmStart(): Promise<{ proc: ChildProcess; baseUrl: string; output: () => string }> {
  const proc = spawn(process.execPath, [START], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      CREATE_RATE_LIMIT_PER_MINUTE: '100',
      STATUS_INTERVAL_MS: '500',
      JOB_POLL_INTERVAL_MS: '500',
      SIM_POLL_MS: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen:\n${out}`)), 120_000);
    proc.stdout!.on('data', () => {
      const m = /"port":(\d+)[^\n]*listening/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
  });
  return { proc, baseUrl: `http://127.0.0.1:${port}`, output: () => out };
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const p of running) kill9(p);
  await db?.drop();
});

describe('kill -9 of npm start with 5 stores Pending', () => {
  it('after a restart all 5 are Ready within 30 s, each committed once', async () => {
    const first = await npmStart();
    const api = (method: string, path: string, o?: Parameters<typeof requestJson>[3]) => requestJson(first.baseUrl, method, path, o);
    await api('POST', '/api/v1/auth/register', { body: { email: 'owner@example.com', password: 'a long enough password' } });
    const token = (await api('POST', '/api/v1/auth/login', { body: { email: 'owner@example.com', password: 'a long enough password' } })).body
      .accessToken as string;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api('POST', '/api/v1/stores', { token, body: { name: `crash-${i}` } });
      expect(r.status).toBe(202);
      ids.push(r.body.id);
    }
    // Wait until the worker holds job locks, then kill the whole process group at once.
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      let locked = 0;
      for (let i = 0; i < 400 && locked === 0; i++) {
        const { rows } = await client.query(
          'SELECT count(*)::int AS n FROM agenda_jobs WHERE name = $1 AND locked_at IS NOT NULL AND last_finished_at IS NULL',
          [JOBS.provisionStore],
        );
        locked = rows[0].n;
        if (!locked) await new Promise((r) => setTimeout(r, 10));
      }
      expect(locked).toBeGreaterThan(0);
      kill9(first.proc);
      await new Promise((r) => first.proc.once('exit', r));
      const { rows: pending } = await client.query('SELECT status FROM stores WHERE id = ANY($1)', [ids]);
      expect(pending.map((r) => r.status)).toEqual(['Pending', 'Pending', 'Pending', 'Pending', 'Pending']);

      const second = await npmStart();
      const restartedAt = Date.now();
      let statuses: string[] = [];
      while (Date.now() - restartedAt < 30_000) {
        const { rows } = await client.query('SELECT status FROM stores WHERE id = ANY($1)', [ids]);
        statuses = rows.map((r) => r.status);
        if (statuses.every((s) => s === 'Ready') || statuses.includes('Error')) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(statuses).toEqual(['Ready', 'Ready', 'Ready', 'Ready', 'Ready']);
      console.log(
        `npm start crash: all 5 Ready ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart listened (${locked} job(s) were locked at the kill)`,
      );
      const repo = join(dataDir, 'gitops.git');
      for (const id of ids) {
        const commits = execFileSync('git', ['--git-dir', repo, 'log', '--format=%H', 'main', '--', `stores/${id}`], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean);
        expect({ id, commits: commits.length }).toEqual({ id, commits: 1 });
      }
      kill9(second.proc);
    } finally {
      await client.end();
    }
  }, 300_000);
});
