import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { loadShell } from '#lib/server/load-shell.ts';

/** Signed-in users have no business on the sign-in pages. */
export const load: LayoutServerLoad = async (event) => {
  const shell = await loadShell(event);
  if (shell.user) redirect(303, '/stores');
  return shell;
};
