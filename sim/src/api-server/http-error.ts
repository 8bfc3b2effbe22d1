/** Errors as the API server writes them: `Status` objects with its codes and reasons. */
import type { KindInfo } from '../kinds.ts';

export class HttpError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export function statusObject(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function notFound(info: KindInfo, name: string): HttpError {
  const res = info.group ? `${info.plural}.${info.group}` : info.plural;
  return new HttpError(404, 'NotFound', `${res} ${JSON.stringify(name)} not found`, { name, ...(info.group ? { group: info.group } : {}), kind: info.plural });
}
