
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
    if (!password) errors.password = 'Enter your password.';
    if (Object.keys(errors).length) return failForm(400, 'Please fill in both fields.', errors, values);
    try {
      return await signIn(locals.api, cookies, url, email, password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        return failForm(400, 'Wrong e-mail or password.', {}, values);
      }
      return problemToForm(err, { email: 'email', password: 'password' }, values);
    }
  },
};
