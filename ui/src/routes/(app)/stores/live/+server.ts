import type { RequestHandler } from './$types';
import { jsonFromApi } from '#lib/server/json-from-api.ts';
import { apiPath, viewFromUrl } from '#lib/store-list-view.ts';

/**
 * The store list and quota, for the list page's polling (GET only: nothing changes): the same view as
 * the page (its query string). `view=all` is passed on as asked: the API refuses it to non-operators.
 */
export const GET: RequestHandler = ({ locals, url }) => jsonFromApi(() => locals.api.get(apiPath(viewFromUrl(url.searchParams, true))));
