import type { RequestHandler } from './$types';
import { jsonFromApi } from '#lib/server/json-from-api.ts';

/** The store list and quota, for the list page's polling (GET only: nothing changes). */
export const GET: RequestHandler = ({ locals }) => jsonFromApi(() => locals.api.get('/stores'));
