import type { Handle, HandleServerError } from '@sveltejs/kit/hooks';
import { ApiClient } from '#lib/server/api-client.ts';
import { apiBaseUrl } from '#lib/server/api-base-url.ts';
import { SESSION_COOKIE } from '#lib/server/session.ts';

/** Every request gets an API client carrying the session and the browser's address; pages get protective headers. */
export const handle: Handle = async ({ event, resolve }) => {
  const session = event.cookies.get(SESSION_COOKIE) || undefined;
  let clientAddress: string | undefined;
  try {
    clientAddress = event.getClientAddress();
  } catch {
    clientAddress = undefined;
  }
  event.locals.api = new ApiClient(apiBaseUrl(event.platform?.req), { session, clientAddress, secret: process.env.DASHBOARD_SECRET });
  const response = await resolve(event);
  response.headers.set('x-frame-options', 'DENY');
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store');
  return response;
};

/** Unexpected errors: logged on the server, a plain message for the page (no internals leak). */
export const handleError: HandleServerError = (caught) => {
  if (caught.kind === 'app') return caught.error;
  if (caught.kind === 'framework') return { message: caught.error.status === 404 ? 'This page does not exist.' : caught.error.message };
  console.error('dashboard error', caught.error instanceof Error ? caught.error.message : caught.error);
  return { message: 'Something went wrong. Please try again.' };
};
