import { json } from '@sveltejs/kit';
import { ApiError, ApiUnreachableError } from './api-client.ts';

/** For the pages' polling endpoints: the API's answer as JSON, or its failure as a status the poller reads. */
export async function jsonFromApi(call: () => Promise<unknown>): Promise<Response> {
  try {
    return json(await call());
  } catch (err) {
    if (err instanceof ApiError) return json({ message: err.message }, { status: err.status });
    if (err instanceof ApiUnreachableError) return json({ message: err.message }, { status: 503 });
    throw err;
  }
}
