import { randomUUID } from 'node:crypto';
import type { Actions, PageServerLoad } from './$types';
import { ApiError } from '#lib/server/api-client.ts';
import { failForm, problemToForm } from '#lib/server/problem-to-form.ts';
import { pollSettings } from '#lib/server/poll-settings.ts';
import { checkStoreInput } from '#lib/store-rules.ts';
import type { PlanList, StoreDetail, StoreListPage } from '#lib/types.ts';
import { apiPath, viewFromUrl } from '#lib/store-list-view.ts';

export const load: PageServerLoad = async ({ locals, url, parent }) => {
  const { user } = await parent();
  // The list's search, filter, sort and page live in the URL (store-list-view.ts); operators may view all stores.
  const view = viewFromUrl(url.searchParams, user.role === 'operator');
  const [list, plans] = await Promise.all([
    locals.api.get<StoreListPage>(apiPath(view)),
    // Without the plans (an older API), the form creates stores on the default plan.
    locals.api.get<PlanList>('/plans').catch(() => null),
  ]);
  // A fresh key per rendering of the form: a double submit creates one store, not two.
  return { list, view, plans, idempotencyKey: randomUUID(), poll: pollSettings() };
};

export const actions: Actions = {
  create: async ({ request, locals }) => {
    const form = await request.formData();
    const name = String(form.get('name') ?? '').trim();
    const domain = String(form.get('domain') ?? '').trim();
    const key = String(form.get('idempotencyKey') ?? '');
    const plan = String(form.get('plan') ?? '');
    const values = { name, domain, plan };
    const errors = checkStoreInput(values);
    if (errors.name || errors.domain) return failForm(422, 'Please correct the highlighted field.', { ...errors }, values);
    try {
      const store = await locals.api.post<StoreDetail>('/stores', { name, ...(domain ? { domain } : {}), ...(plan ? { plan } : {}) }, key ? { 'idempotency-key': key } : {});
      return { created: { id: store.id, name: store.name } };
    } catch (err) {
      // No domain typed: the store's default address comes from its name, so a clash of that address
      // (another user's store has it) is the name's problem, reported under the Name field.
      if (!domain && err instanceof ApiError) return problemToForm(defaultDomainClashToName(err, name), { name: 'name', domain: 'name' }, values);
      return problemToForm(err, { name: 'name', domain: 'domain' }, values);
    }
  },
};

/** The API's domain errors for a store created without a domain, reworded for the Name field. */
function defaultDomainClashToName(err: ApiError, name: string): ApiError {
  const errors = err.problem.errors?.map((e) =>
    e.field.replace(/^body\./, '') === 'domain' && (e.code === 'domain_taken' || e.code === 'domain_reserved')
      ? { ...e, message: `The name “${name}” is taken: its free address is already used by another store. Choose another name.` }
      : e,
  );
  return new ApiError({ ...err.problem, ...(errors ? { errors } : {}) }, err.retryAfter);
}
