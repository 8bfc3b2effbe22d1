import type { RequestHandler } from './$types';
import { ApiError } from '#lib/server/api-client.ts';
import { jsonFromApi } from '#lib/server/json-from-api.ts';
import { loadStorePage } from '#lib/server/load-store-page.ts';

/** The store page's polling: store (no credentials), timeline and health; `{gone: true}` once deleted. */
export const GET: RequestHandler = ({ locals, params }) =>
  jsonFromApi(async () => {
    try {
      return await loadStorePage(locals.api, params.id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return { gone: true };
      throw err;
    }
  });

