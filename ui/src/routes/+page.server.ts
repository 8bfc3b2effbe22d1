import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { loadShell } from '#lib/server/load-shell.ts';

/** The front door: your stores when signed in, otherwise the sign-in page. */
export const load: PageServerLoad = async (event) => {
  const { user } = await loadShell(event);
  redirect(303, user ? '/stores' : '/login');
};
