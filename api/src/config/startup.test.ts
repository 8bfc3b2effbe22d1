import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/test-database.ts';
import { requestJson } from '../../test/support/request-json.ts';
import { spawnApi } from '../../test/support/spawn-api.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
/** The development fallback the repository used to ship: anyone could sign tokens with it. */
const OLD_CONSTANT = 'development-only-secret-change-me-0123456789';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.drop());

describe('secrets on first start', () => {
  it('generates JWT_SECRET and SECRETS_ENCRYPTION_KEY into the data folder (0600), logs that it did without the values, and a token forged with the old constant is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sp-secrets-'));
    const api = await spawnApi({ DATABASE_URL: db.url, ROLES: 'api', DATA_DIR: dataDir, JWT_SECRET: '', SECRETS_ENCRYPTION_KEY: '', DASHBOARD_SECRET: '' });
    try {
      const folder = join(dataDir, 'secrets');
      const files = readdirSync(folder).sort();
      expect(files).toEqual(['dashboard-secret', 'jwt-secret', 'secrets-encryption-key']);
      for (const f of files) expect(statSync(join(folder, f)).mode & 0o777).toBe(0o600);
      const jwtSecret = readFileSync(join(folder, 'jwt-secret'), 'utf8').trim();
      expect(jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(Buffer.from(readFileSync(join(folder, 'secrets-encryption-key'), 'utf8').trim(), 'base64')).toHaveLength(32);
      expect(api.output()).toContain('generated a secret');
      for (const f of files) expect(api.output()).not.toContain(readFileSync(join(folder, f), 'utf8').trim());

      // The attack: an operator's token signed with the constant that used to be in the source.
      const reg = await requestJson(api.baseUrl, 'POST', '/api/v1/auth/register', {
        body: { email: 'victim@example.com', password: 'a long enough password' },
      });
      const forged = jwt.sign({ sub: reg.body.id, email: 'victim@example.com' }, OLD_CONSTANT, {
        algorithm: 'HS256',
        issuer: 'store-platform',
        audience: 'store-platform-api',
        expiresIn: 600,
      });
      expect((await requestJson(api.baseUrl, 'GET', '/api/v1/me', { token: forged })).status).toBe(401);
      const real = jwt.sign({ sub: reg.body.id }, jwtSecret, { algorithm: 'HS256', issuer: 'store-platform', audience: 'store-platform-api', expiresIn: 600 });
      expect((await requestJson(api.baseUrl, 'GET', '/api/v1/me', { token: real })).status).toBe(200);
    } finally {
      await api.stop();
    }
    // A restart reads the same files: tokens stay valid, nothing is generated again.
    const again = await spawnApi({ DATABASE_URL: db.url, ROLES: 'api', DATA_DIR: dataDir, JWT_SECRET: '', SECRETS_ENCRYPTION_KEY: '', DASHBOARD_SECRET: '' });
    try {
      expect(again.output()).not.toContain('generated a secret');
    } finally {
      await again.stop();
    }
  });

  it('still refuses to start in production without them', () => {
    const r = spawnSync(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        NODE_ENV: 'production',
        JWT_SECRET: '',
        SECRETS_ENCRYPTION_KEY: '',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'sp-prod-')),
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('JWT_SECRET');
  });
});

describe('start-up failures: one line, non-zero exit', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [MAIN], {
      env: { ...process.env, ROLES: 'api', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), 'sp-fail-')), ...env },
      encoding: 'utf8',
      timeout: 40_000,
    });

  it('a PORT that is taken: exits 1 with one line naming PORT, and nothing keeps running', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const repo = join(mkdtempSync(join(tmpdir(), 'sp-repo-')), 'gitops.git');
      spawnSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', repo]);
      const r = run({ DATABASE_URL: db.url, ROLES: 'api,worker', GITOPS_REPO: repo, PORT: String(port) });
      expect(r.error).toBeUndefined(); // it exited by itself (no timeout): the worker did not keep it alive
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toEqual([expect.stringMatching(new RegExp(`port ${port} .*already in use.*set PORT`))]);
      expect(r.stdout).not.toMatch(/listening|worker started/);
    } finally {
      blocker.close();
    }
  });

  it('a DATABASE_URL with a wrong database: one line naming DATABASE_URL, exit 78, no stack trace', () => {
    const bad = new URL(db.url);
    bad.pathname = '/no_such_database_here';
    const r = run({ DATABASE_URL: bad.toString() });
    expect(r.status).toBe(78);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/database at 127\.0\.0\.1:5432\/no_such_database_here refused us .*does not exist.*check DATABASE_URL/),
    ]);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a DATABASE_URL that is not a URL: exit 78 naming it', () => {
    const r = run({ DATABASE_URL: 'localhost' });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('DATABASE_URL');
  });
});
