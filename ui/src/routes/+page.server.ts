import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/** The front door: your stores when signed in, otherwise the sign-in page. */
export const load: PageServerLoad = async ({ parent }) => {
  const { user } = await parent();
  redirect(303, user ? '/stores' : '/login');
};
