import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      port: 8080,
      createRateLimitPerMinute: 1,
      defaultStoreQuota: 5,
      roles: ['api', 'worker'],
      jwt: { issuer: 'store-platform', audience: 'store-platform-api', ttlSeconds: 3600 },
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ ...base, PORT: 'eighty', DEFAULT_STORE_QUOTA: '-1', ROLES: 'api,chef' })).toThrow(
      /PORT[\s\S]*ROLES|PORT[\s\S]*DEFAULT_STORE_QUOTA/,
    );
    expect(() => loadConfig({})).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ ...base, SECRETS_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/SECRETS_ENCRYPTION_KEY/);
  });

  it('refuses to start in production without real secrets', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).toThrow(/SECRETS_ENCRYPTION_KEY/);
  });

  it('stops the process with a message naming the variable', () => {
    const main = fileURLToPath(new URL('../main.ts', import.meta.url));
    const r = spawnSync(process.execPath, [main], {
      env: { ...process.env, DATABASE_URL: base.DATABASE_URL, CREATE_RATE_LIMIT_PER_MINUTE: 'lots' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('CREATE_RATE_LIMIT_PER_MINUTE');
  });
});
