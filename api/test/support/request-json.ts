export type ApiResponse<T = any> = { status: number; headers: Headers; body: T };
export type RequestOptions = { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string };

/** One HTTP call to the API as a client makes it: JSON in, JSON (or text) out. */
export async function requestJson<T = any>(baseUrl: string, method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | undefined = o.rawBody;
  if (o.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.body);
  }
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}
