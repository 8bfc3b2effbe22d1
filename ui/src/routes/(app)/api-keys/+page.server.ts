
import type { Actions, PageServerLoad } from './$types';
import { failForm, problemToForm } from '#lib/server/problem-to-form.ts';
import type { ApiKey } from '#lib/types.ts';

export const load: PageServerLoad = async ({ locals }) => {
  const { items } = await locals.api.get<{ items: ApiKey[] }>('/api-keys');
  return { keys: items };
};

export const actions: Actions = {
  /** The key is in this answer only: the page shows it once. */
  create: async ({ locals, request }) => {
    const name = String((await request.formData()).get('name') ?? '').trim();
    if (!name) return failForm(422, 'Please correct the highlighted field.', { name: 'Give the key a name.' }, { name });
    try {
      const created = await locals.api.post<ApiKey & { key: string }>('/api-keys', { name });
      return { created: { name: created.name, key: created.key } };
    } catch (err) {
      return problemToForm(err, { name: 'name' }, { name });
    }
  },
  revoke: async ({ locals, request }) => {
    const id = String((await request.formData()).get('id') ?? '');
    try {
      await locals.api.delete(`/api-keys/${encodeURIComponent(id)}`);
      return { revoked: true };
    } catch (err) {
      return problemToForm(err);
    }
  },
};
