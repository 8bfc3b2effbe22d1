import { redirect, type Cookies } from '@sveltejs/kit';
import type { ApiClient } from './api-client.ts';
import { session } from './session.ts';

/** Only a path of this site may follow sign-in (no `//evil.example`, no absolute URL). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/stores';
}

/** Exchanges e-mail and password for a token, keeps it in the session cookie and goes on. */
export async function signIn(api: ApiClient, cookies: Cookies, url: URL, email: string, password: string): Promise<never> {
  const { accessToken, expiresIn } = await api.post<{ accessToken: string; expiresIn: number }>('/auth/login', { email, password });
  session.start(cookies, url, accessToken, expiresIn);
  redirect(303, safeNext(url.searchParams.get('next')));
}
