import { error } from '@sveltejs/kit';
import type { Cookies } from '@sveltejs/kit';
import { ApiError, ApiUnreachableError } from './api-client.ts';
import { session } from './session.ts';
import type { Me } from '#lib/types.ts';

export type PlatformInfo = { version: string; cluster: 'simulated' | 'kubernetes' | 'none' };

/** What the platform runs on, for the footer (null when the API does not say). */
async function platformInfo(api: App.Locals['api']): Promise<PlatformInfo | null> {
  try {
    const p = await api.get<PlatformInfo>('/platform');
    return { version: p.version, cluster: p.cluster };
  } catch {
    return null;
  }
}

export type Shell = { user: { email: string; role: Me['role'] } | null; platform: PlatformInfo | null };

/**
 * What the page frame shows (the signed-in user, or null; the platform's version): an expired or revoked
 * token ends the session. Loaded by each route group's layout rather than by a root layout: with no
 * server load at the root, SvelteKit can render the dashboard's own error page in the browser when a
 * link is followed while the server is down (with one, it falls back to a full page load, and the
 * browser shows its own error page).
 */
export async function loadShell({ locals, cookies, url }: { locals: App.Locals; cookies: Cookies; url: URL }): Promise<Shell> {
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
    if (err instanceof ApiUnreachableError || (err instanceof ApiError && err.status >= 500))
      error(503, { message: 'The platform is not answering right now. Try again in a moment.', code: 'unreachable' });
    throw err;
  }
}
