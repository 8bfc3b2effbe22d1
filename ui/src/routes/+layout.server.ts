import { error } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { ApiError, ApiUnreachableError } from '#lib/server/api-client.ts';
import { session } from '#lib/server/session.ts';
import type { Me } from '#lib/types.ts';

type PlatformInfo = { version: string; cluster: 'simulated' | 'kubernetes' | 'none' };

/** What the platform runs on, for the footer (null when the API does not say). */
async function platformInfo(api: App.Locals['api']): Promise<PlatformInfo | null> {
  try {
    const p = await api.get<PlatformInfo>('/platform');
    return { version: p.version, cluster: p.cluster };
  } catch {
    return null;
  }
}

/** The signed-in user (or null); an expired or revoked token ends the session. */
export const load: LayoutServerLoad = async ({ locals, cookies, url }) => {
  const platform = await platformInfo(locals.api);
  if (!locals.api.signedIn) return { user: null, platform };
  try {
    const me = await locals.api.get<Me>('/me');
    return { user: { email: me.email, role: me.role }, platform };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      session.end(cookies, url);
      return { user: null, platform };
    }
    if (err instanceof ApiUnreachableError || (err instanceof ApiError && err.status >= 500)) error(503, 'The platform is not answering right now. Try again in a moment.');
    throw err;
  }
};
