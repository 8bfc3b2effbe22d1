/** A field-level validation problem, as returned in `errors[]` of a 422 problem. */
export type FieldError = { field: string; message: string; code?: string };

/**
 * Base of every error the API answers on purpose. `status` and `code` (stable, machine-readable) map to
 * an RFC 9457 problem; anything that is not an AppError is a 500 with no detail leaked.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, title: string, detail: string, opts: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = opts.errors;
    this.headers = opts.headers ?? {};
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], detail = 'The request is not valid.') {
    super(422, 'validation_failed', 'Validation failed', detail, { errors });
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Authentication is required.') {
    super(401, 'unauthorized', 'Unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You do not have access to this resource.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'The resource does not exist.') {
    super(404, 'not_found', 'Not Found', detail);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, detail: string) {
    super(409, code, 'Conflict', detail);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, headers: Record<string, string> = {}) {
    super(429, 'rate_limited', 'Too Many Requests', `Too many store creations. Try again in ${retryAfterSeconds} s.`, {
      headers: { ...headers, 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class QuotaExceededError extends AppError {
  constructor(limit: number, detail = `You have reached your limit of ${limit} stores. Delete a store to create another.`) {
    super(429, 'quota_exceeded', 'Store quota reached', detail);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail = 'A service the API depends on is unavailable. Try again shortly.', retryAfterSeconds = 5) {
    super(503, 'service_unavailable', 'Service Unavailable', detail, { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}
