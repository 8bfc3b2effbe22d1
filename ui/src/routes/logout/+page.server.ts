import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { session } from '#lib/server/session.ts';

export const load: PageServerLoad = () => redirect(303, '/');

/** Sign out: a POST (form action, origin-checked), never a GET a link or image could trigger. */
export const actions: Actions = {
  default: async ({ cookies, url, locals }) => {
    // The session ends on the server: its id, replayed, signs nobody in.
    if (locals.api.signedIn) await locals.api.delete('/auth/session').catch(() => undefined);
    session.end(cookies, url);
    redirect(303, '/login?signedOut=1');
  },
};
