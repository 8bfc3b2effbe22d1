import type { Actions } from './$types';
import { failForm, problemToForm } from '#lib/server/problem-to-form.ts';

export const actions: Actions = {
  /** The API ends every other session of the user, and their earlier tokens; this one stays signed in. */
  password: async ({ locals, request }) => {
    const form = await request.formData();
    const currentPassword = String(form.get('currentPassword') ?? '');
    const newPassword = String(form.get('newPassword') ?? '');
    const errors: Record<string, string> = {};
    if (!currentPassword) errors.currentPassword = 'Enter your current password.';
    if (newPassword.length < 10) errors.newPassword = 'A password has at least 10 characters.';
    if (Object.keys(errors).length) return failForm(422, 'Please correct the highlighted fields.', errors);
    try {
      const { endedSessions } = await locals.api.post<{ endedSessions: number }>('/me/password', { currentPassword, newPassword });
      return { changed: { endedSessions } };
    } catch (err) {
      return problemToForm(err, { currentPassword: 'currentPassword', newPassword: 'newPassword' });
    }
  },
};
