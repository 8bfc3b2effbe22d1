import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { loadShell } from '#lib/server/load-shell.ts';

/** Every page in here needs a signed-in user; others go to sign in and come back. */
export const load: LayoutServerLoad = async (event) => {
  const shell = await loadShell(event);
  if (!shell.user) redirect(303, `/login?next=${encodeURIComponent(event.url.pathname)}`);
  return { ...shell, user: shell.user };
};
