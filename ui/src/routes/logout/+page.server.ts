import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { session } from '#lib/server/session.ts';

export const load: PageServerLoad = () => redirect(303, '/');

/** Sign out: a POST (form action, origin-checked), never a GET a link or image could trigger. */
export const actions: Actions = {
  default: ({ cookies, url }) => {
    session.end(cookies, url);
    redirect(303, '/login?signedOut=1');
  },
};
