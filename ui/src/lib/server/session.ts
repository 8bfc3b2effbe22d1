import type { Cookies } from '@sveltejs/kit';

/** The cookie that holds the API token: HttpOnly (scripts never see it), SameSite=Lax, Secure on https. */
export const SESSION_COOKIE = 'sp_session';

export const session = {
  start(cookies: Cookies, url: URL, token: string, expiresInSeconds: number): void {
    cookies.set(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: url.protocol === 'https:',
      maxAge: Math.max(60, expiresInSeconds),
    });
  },
  end(cookies: Cookies, url: URL): void {
    cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:' });
  },
};
