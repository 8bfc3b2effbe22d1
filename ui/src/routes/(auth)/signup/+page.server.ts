
import type { Actions } from './$types';
import { ApiError } from '#lib/server/api-client.ts';
import { failForm, problemToForm } from '#lib/server/problem-to-form.ts';
import { signIn } from '#lib/server/sign-in.ts';

export const actions: Actions = {
  default: async ({ request, locals, cookies, url }) => {
    const form = await request.formData();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const values = { email };
    const errors: Record<string, string> = {};
    if (!email) errors.email = 'Enter your e-mail address.';
    if (password.length < 10) errors.password = 'A password has at least 10 characters.';
    if (Object.keys(errors).length) return failForm(400, 'Please correct the highlighted fields.', errors, values);
    try {
      await locals.api.post('/auth/register', { email, password });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        return failForm(409, 'Please correct the highlighted field.', { email: 'An account with this e-mail already exists. Sign in instead.' }, values);
      }
      return problemToForm(err, { email: 'email', password: 'password' }, values);
    }
    try {
      return await signIn(locals.api, cookies, url, email, password);
    } catch (err) {
      return problemToForm(err, {}, values);
    }
  },
};
