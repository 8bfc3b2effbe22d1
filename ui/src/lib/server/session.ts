import type { Cookies } from '@sveltejs/kit';

/**
 * The cookie that holds the id of the user's server-side session: HttpOnly (scripts never see it),
 * SameSite=Lax, Secure on https, gone when the browser closes. The id is no API credential: the API accepts
 * it only from this server, with DASHBOARD_SECRET; it ends at sign-out, when idle, or on a password change.
 */
export const SESSION_COOKIE = 'sp_session';

export const session = {
  start(cookies: Cookies, url: URL, id: string): void {
    cookies.set(SESSION_COOKIE, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: url.protocol === 'https:',
    });
  },
  end(cookies: Cookies, url: URL): void {
    cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:' });
  },
};
