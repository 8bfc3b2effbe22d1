import type { Problem } from '../types.ts';

/** The API answered with an error (problem+json). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** Seconds from the `Retry-After` header, when the API sent one. */
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter: number | undefined) {
    super(problem.detail ?? problem.title ?? `API error ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

/** The API could not be reached at all (refused, reset, timed out). */
export class ApiUnreachableError extends Error {
  constructor(cause: unknown) {
    super('The platform API cannot be reached.', { cause });
    this.name = 'ApiUnreachableError';
  }
}

type RequestOptions = { body?: unknown; headers?: Record<string, string> };

/** Who the dashboard's server calls the API for: the browser's session and address, and the server's own secret. */
export type ApiCaller = {
  /** The session id from the cookie, when signed in. */
  session?: string;
  /** The browser's address, so the API's throttles and audit trail see the browser, not this server. */
  clientAddress?: string;
  /** DASHBOARD_SECRET: without it the API ignores the session and the forwarded address. */
  secret?: string;
};

/**
 * The REST API as the dashboard's server sees it: every call carries the signed-in user's session id
 * and the browser's address, vouched for by DASHBOARD_SECRET; none of it reaches the browser's scripts.
 * Errors become ApiError (the problem) or ApiUnreachableError.
 */
export class ApiClient {
  readonly #baseUrl: string;
  readonly #caller: ApiCaller;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, caller: ApiCaller = {}, timeoutMs = 10_000) {
    this.#baseUrl = baseUrl.replace(/\/$/, '');
    this.#caller = caller;
    this.#timeoutMs = timeoutMs;
  }

  get signedIn(): boolean {
    return this.#caller.session !== undefined;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('POST', path, { body, headers });
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    const { session, clientAddress, secret } = this.#caller;
    if (secret) {
      headers['x-dashboard-secret'] = secret;
      if (clientAddress) headers['x-dashboard-client-ip'] = clientAddress;
      if (session) headers['x-dashboard-session'] = session;
    }
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.#baseUrl}/api/v1${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      throw new ApiUnreachableError(err);
    }
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const problem: Problem = json && typeof json === 'object' ? { ...(json as Problem), status: res.status } : { status: res.status, title: res.statusText };
      const retry = Number(res.headers.get('retry-after'));
      throw new ApiError(problem, Number.isFinite(retry) && retry > 0 ? retry : undefined);
    }
    return json as T;
  }
}
