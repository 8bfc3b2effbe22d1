import { fail, redirect } from '@sveltejs/kit';
import { ApiError, ApiUnreachableError } from './api-client.ts';

export type FormProblem = {
  /** The message for the whole form. */
  message: string;
  /** Messages next to fields, keyed by the form field's name. */
  errors: Record<string, string>;
  /** Seconds until the API accepts the request again (429 with Retry-After). */
  retryAfter?: number;
  code?: string;
};

/** What every failed form action of the dashboard returns: the values to refill, and the problem. */
export type FormFailure = { values: Record<string, string>; problem: FormProblem };

/**
 * Turns an API failure into a form action failure the page shows: field errors next to the fields they
 * name (`fields` maps API field → form field), the rest as a message. A 401 ends in the sign-in page.
 */
export function problemToForm(err: unknown, fields: Record<string, string> = {}, values: Record<string, string> = {}) {
  if (err instanceof ApiUnreachableError) {
    return fail<FormFailure>(503, { values, problem: { message: 'The platform is not answering right now. Try again in a moment.', errors: {}, code: 'unreachable' } });
  }
  if (!(err instanceof ApiError)) throw err;
  if (err.status === 401) redirect(303, '/login?expired=1');
  const errors: Record<string, string> = {};
  const loose: string[] = [];
  for (const e of err.problem.errors ?? []) {
    const key = fields[e.field] ?? fields[e.field.replace(/^body\./, '')];
    if (key && !errors[key]) errors[key] = e.message;
    else loose.push(e.message);
  }
  let message = err.problem.detail ?? err.problem.title ?? 'The request failed.';
  if (err.problem.code === 'rate_limited' && err.retryAfter) message = `You are creating stores too quickly. Try again in ${err.retryAfter} seconds.`;
  if (Object.keys(errors).length > 0 && loose.length === 0) message = 'Please correct the highlighted field.';
  else if (loose.length > 0) message = loose.join(' ');
  const problem: FormProblem = { message, errors, ...(err.retryAfter ? { retryAfter: err.retryAfter } : {}), ...(err.problem.code ? { code: err.problem.code } : {}) };
  return fail<FormFailure>(err.status >= 400 && err.status < 600 ? err.status : 500, { values, problem });
}

/** A form failure of the dashboard's own (checks before the API is called). */
export function failForm(status: number, message: string, errors: Record<string, string | undefined> = {}, values: Record<string, string> = {}) {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(errors)) if (v) clean[k] = v;
  return fail<FormFailure>(status, { values, problem: { message, errors: clean } });
}
