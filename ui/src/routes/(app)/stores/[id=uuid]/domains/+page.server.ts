import { error } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { ApiError } from '#lib/server/api-client.ts';
import { failForm, problemToForm } from '#lib/server/problem-to-form.ts';
import type { StoreDetail } from '#lib/types.ts';
import type { StoreDomain } from '#lib/store-domains.ts';

/**
 * The custom domains of a store: the panel on the store page posts its forms here, and this page shows
 * the same panel on its own when the browser runs no script.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const [store, domains] = await Promise.all([
      locals.api.get<StoreDetail>(`/stores/${params.id}`),
      locals.api.get<{ items: StoreDomain[] }>(`/stores/${params.id}/domains`),
    ]);
    return { store: { id: store.id, name: store.name }, domains: domains.items };
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) error(404, 'There is no such store in your account.');
    throw err;
  }
};

const domainOf = (form: FormData) => String(form.get('domain') ?? '').trim();
const path = (id: string, domain: string) => `/stores/${id}/domains/${encodeURIComponent(domain)}`;

export const actions: Actions = {
  add: async ({ locals, params, request }) => {
    const domain = domainOf(await request.formData());
    if (!domain) return failForm(400, 'Enter a domain you own.', { domain: 'Enter a domain, e.g. shop.example.com.' }, { domain });
    try {
      const added = await locals.api.post<StoreDomain>(`/stores/${params.id}/domains`, { domain });
      return { added: added.domain };
    } catch (err) {
      return problemToForm(err, { domain: 'domain' }, { domain });
    }
  },
  check: async ({ locals, params, request }) => {
    const domain = domainOf(await request.formData());
    try {
      const checked = await locals.api.post<StoreDomain>(`${path(params.id, domain)}/check`);
      return { checked: checked.domain, status: checked.status };
    } catch (err) {
      return problemToForm(err);
    }
  },
  primary: async ({ locals, params, request }) => {
    const form = await request.formData();
    const domain = domainOf(form);
    try {
      await locals.api.request('PATCH', path(params.id, domain), { body: { primary: form.get('primary') !== 'false' } });
      return { primary: domain };
    } catch (err) {
      return problemToForm(err);
    }
  },
  remove: async ({ locals, params, request }) => {
    const form = await request.formData();
    const domain = domainOf(form);
    // The confirmation names the domain; it travels with the request so a stale page cannot remove another.
    if (String(form.get('confirmDomain') ?? '') !== domain) return failForm(400, 'Removal was not confirmed.');
    try {
      await locals.api.delete(path(params.id, domain));
      return { removed: domain };
    } catch (err) {
      return problemToForm(err);
    }
  },
};
