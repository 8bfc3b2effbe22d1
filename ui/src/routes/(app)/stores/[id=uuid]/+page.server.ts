import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { ApiError } from '#lib/server/api-client.ts';
import { loadStorePage } from '#lib/server/load-store-page.ts';
import { loadStoreUsage, usageRange } from '#lib/server/load-store-usage.ts';
import { pollSettings } from '#lib/server/poll-settings.ts';
import { failForm, problemToForm } from '#lib/server/problem-to-form.ts';
import type { PlanList, StoreDetail } from '#lib/types.ts';

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const range = usageRange(url.searchParams.get('range'));
  try {
    const [page, usage, plans] = await Promise.all([
      loadStorePage(locals.api, params.id),
      loadStoreUsage(locals.api, params.id, range),
      locals.api.get<PlanList>('/plans').catch(() => null),
    ]);
    return { ...page, usage, range, plans, poll: pollSettings() };
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) error(404, 'There is no such store in your account.');
    throw err;
  }
};

export const actions: Actions = {
  /** The admin credentials, only for the owner of a store that has been Ready (the API decides). */
  credentials: async ({ locals, params }) => {
    try {
      const store = await locals.api.get<StoreDetail>(`/stores/${params.id}`);
      if (!store.credentials) return failForm(409, 'Credentials are available once the store is Ready.', {});
      return { credentials: store.credentials };
    } catch (err) {
      return problemToForm(err);
    }
  },
  delete: async ({ locals, params, request }) => {
    const form = await request.formData();
    try {
      const store = await locals.api.get<StoreDetail>(`/stores/${params.id}`);
      // The confirmation names the store; the name travels with the request so a stale page cannot delete another.
      if (String(form.get('confirmName') ?? '') !== store.name) return failForm(400, 'Deletion was not confirmed.', {});
      await locals.api.delete(`/stores/${params.id}`);
    } catch (err) {
      return problemToForm(err);
    }
    redirect(303, '/stores');
  },
  /** Pause the store (the owner's hibernation, or an operator's suspension with a reason). */
  suspend: async ({ locals, params, request }) => {
    const reason = String((await request.formData()).get('reason') ?? '').trim();
    try {
      await locals.api.post(`/stores/${params.id}/suspend`, reason ? { reason } : {});
      return { suspended: true };
    } catch (err) {
      return problemToForm(err);
    }
  },
  resume: async ({ locals, params }) => {
    try {
      await locals.api.post(`/stores/${params.id}/resume`);
      return { resumed: true };
    } catch (err) {
      return problemToForm(err);
    }
  },
  /** A new plan for the store (PATCH /stores/:id): one commit, phase resizing until healthy. */
  changePlan: async ({ locals, params, request }) => {
    const plan = String((await request.formData()).get('plan') ?? '');
    try {
      await locals.api.request('PATCH', `/stores/${params.id}`, { body: { plan } });
      return { planChanged: plan };
    } catch (err) {
      return problemToForm(err);
    }
  },
  /** Re-run a store in Error (every API replica serves it). */
  retry: async ({ locals, params }) => {
    try {
      await locals.api.post(`/stores/${params.id}/retry`);
      return { retried: true };
    } catch (err) {
      return problemToForm(err);
    }
  },
};
