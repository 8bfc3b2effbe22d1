import { redirect, type Cookies } from '@sveltejs/kit';
import type { ApiClient } from './api-client.ts';
import { session } from './session.ts';

/**
 * Only a path of this site may follow sign-in (no `//evil.example`, no absolute URL, no backslash, no
 * whitespace or control character — a tab or newline would break the Location header); anything else is `/`.
 */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !/[\\\s\u0000-\u001f\u007f-\u009f]/.test(next) ? next : '/';
}

/** Exchanges e-mail and password for a server-side session of the API, keeps its id in the session cookie and goes on. */
export async function signIn(api: ApiClient, cookies: Cookies, url: URL, email: string, password: string): Promise<never> {
  const { session: id } = await api.post<{ session: string; idleTimeoutSeconds: number }>('/auth/sessions', { email, password });
  session.start(cookies, url, id);
  redirect(303, safeNext(url.searchParams.get('next')));
}
