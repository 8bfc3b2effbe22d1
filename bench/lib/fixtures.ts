import { renderStore, STORE_SECRET_KEYS, type RenderableStore, type RenderSettings } from '../../renderer/src/render-store.ts';

export const RENDER_SETTINGS: RenderSettings = { repoUrl: 'http://example.invalid/gitops.git', targetRevision: 'main' };
// Sealed-secret ciphertexts the size kubeseal makes for a 2048/4096-bit key (content does not matter here).
const sealed = Object.fromEntries(STORE_SECRET_KEYS.map((k) => [k, Buffer.alloc(530, 1).toString('base64')]));

/** The n-th bench store (stable id, name, domain; every secret key sealed). */
export function benchStore(n: number): RenderableStore {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    name: `Store ${n}`,
    domain: `s${n}.example.com`,
    ownerId: '00000000-0000-4000-8000-00000000beef',
    sealedSecrets: sealed,
  };
}

export { renderStore };
