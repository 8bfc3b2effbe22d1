import { randomBytes } from 'node:crypto';
import { WORDPRESS_SALTS } from '../../../../renderer/src/render-store.ts';

export type StoreSecrets = Record<string, string> & { 'wordpress-admin-user': string; 'wordpress-admin-password': string };

/** URL- and shell-safe random string from a CSPRNG. */
function random(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Every secret of a store, generated once with a CSPRNG (then sealed and persisted: never regenerated,
 * so a re-render or a retry never changes a password). Keys are the chart's Secret contract.
 */
export function generateStoreSecrets(adminUser = 'admin'): StoreSecrets {
  const s: Record<string, string> = {
    'mysql-root-password': random(24),
    'mysql-password': random(24),
    'wordpress-admin-user': adminUser,
    'wordpress-admin-password': random(18),
  };
  for (const k of WORDPRESS_SALTS) s[k] = random(48);
  return s as StoreSecrets;
}
