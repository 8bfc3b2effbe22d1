import type { RequestHandler } from './$types';
import { jsonFromApi } from '#lib/server/json-from-api.ts';
import type { StoreDomain } from '#lib/store-domains.ts';

/** The domains panel's reads: the store's custom domains. */
export const GET: RequestHandler = ({ locals, params }) => jsonFromApi(() => locals.api.get<{ items: StoreDomain[] }>(`/stores/${params.id}/domains`));
