import { error } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { ApiError, ApiUnreachableError } from '#lib/server/api-client.ts';
import { session } from '#lib/server/session.ts';
import type { Me } from '#lib/types.ts';

/** The signed-in user (or null); an expired or revoked token ends the session. */
export const load: LayoutServerLoad = async ({ locals, cookies, url }) => {
  if (!locals.api.signedIn) return { user: null };
  try {
    const me = await locals.api.get<Me>('/me');
    return { user: { email: me.email, role: me.role } };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      session.end(cookies, url);
      return { user: null };
    }
    if (err instanceof ApiUnreachableError || (err instanceof ApiError && err.status >= 500)) error(503, 'The platform is not answering right now. Try again in a moment.');
    throw err;
  }
};
