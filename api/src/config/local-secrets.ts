import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The secrets a platform process needs, and how a fresh one is made. */
const SECRETS = {
  JWT_SECRET: { file: 'jwt-secret', make: () => randomBytes(48).toString('base64url') },
  SECRETS_ENCRYPTION_KEY: { file: 'secrets-encryption-key', make: () => randomBytes(32).toString('base64') },
  DASHBOARD_SECRET: { file: 'dashboard-secret', make: () => randomBytes(32).toString('base64url') },
} as const;

export type LocalSecretName = keyof typeof SECRETS;

/**
 * Outside production, fills each of JWT_SECRET, SECRETS_ENCRYPTION_KEY and DASHBOARD_SECRET that the
 * environment leaves unset from `<dir>/secrets/<name>`, generating the file (random, mode 0600) on first
 * start, so no secret is ever a constant of the source and a restart keeps tokens valid and stored
 * passwords readable. Production gets nothing here: there the variables are required (loadConfig says so).
 * Returns the variables to set and which files were generated or read (names and paths only, never values).
 */
export function localSecrets(
  dir: string,
  env: Record<string, string | undefined>,
): { values: Partial<Record<LocalSecretName, string>>; generated: string[]; read: string[] } {
  const out = { values: {} as Partial<Record<LocalSecretName, string>>, generated: [] as string[], read: [] as string[] };
  if (env.NODE_ENV === 'production') return out;
  const folder = join(dir, 'secrets');
  for (const [name, spec] of Object.entries(SECRETS) as Array<[LocalSecretName, (typeof SECRETS)[LocalSecretName]]>) {
    if (env[name]) continue;
    const path = join(folder, spec.file);
    if (existsSync(path)) {
      out.values[name] = readFileSync(path, 'utf8').trim();
      out.read.push(path);
      continue;
    }
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    // Written aside, then linked into place: two processes starting at once agree on one value.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, spec.make() + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600); // whatever the umask
    try {
      linkSync(tmp, path);
      out.generated.push(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      out.read.push(path);
    } finally {
      unlinkSync(tmp);
    }
    out.values[name] = readFileSync(path, 'utf8').trim();
  }
  return out;
}
