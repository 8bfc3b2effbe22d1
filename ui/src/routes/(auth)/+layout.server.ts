import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

/** Signed-in users have no business on the sign-in pages. */
export const load: LayoutServerLoad = async ({ parent }) => {
  const { user } = await parent();
  if (user) redirect(303, '/stores');
};
