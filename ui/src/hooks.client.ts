import type { HandleClientError } from '@sveltejs/kit/hooks';

/**
 * A link followed while the server is down: the page data cannot be fetched (a TypeError of fetch, not
 * an answer of the server). The dashboard's error page says so and offers to try again.
 */
export const handleError: HandleClientError = ({ error }) => {
  if (error instanceof TypeError) return { message: 'The platform cannot be reached right now. Check your connection, then try again.', code: 'unreachable' };
  return { message: 'Something went wrong. Please try again.' };
};
