import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

/** Every page in here needs a signed-in user; others go to sign in and come back. */
export const load: LayoutServerLoad = async ({ parent, url }) => {
  const { user } = await parent();
  if (!user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
  return { user };
};
