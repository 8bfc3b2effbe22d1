import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError, ServiceUnavailableError, ValidationError } from './app-error.ts';
import { isDatabaseUnavailable } from './is-database-unavailable.ts';
import { redactUrl } from '../http/security-headers.ts';
import type { AuditLog } from '../features/audit/audit-log.ts';
import { requestOrigin } from '../auth/actor.ts';

const PROBLEM_BASE = 'https://store-platform.dev/problems/';

/** Turns any error into an RFC 9457 problem+json. 5xx are logged at error level; nothing else is. */
export function errorMiddleware(audit: AuditLog): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let appError: AppError;
    if (err instanceof AppError) appError = err;
    else if (isDatabaseUnavailable(err)) appError = new ServiceUnavailableError('The database is unavailable. Try again shortly.');
    // Backstop: text PostgreSQL cannot store (NUL, invalid UTF-8) that a schema let through is the client's input, not our fault.
    else if (err?.code === '22021' || err?.code === '22P05')
      appError = new ValidationError([{ field: 'body', message: 'Contains characters that cannot be stored (such as NUL).', code: 'control_characters' }]);
    else if (err?.type === 'entity.parse.failed')
      appError = new ValidationError([{ field: 'body', message: 'Malformed JSON.', code: 'invalid_json' }], 'The request body is not valid JSON.');
    else if (err?.type === 'entity.too.large') appError = new AppError(413, 'payload_too_large', 'Payload Too Large', 'The request body is too large.');
    else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500)
      appError = new AppError(err.status, 'bad_request', 'Bad Request', 'The request could not be processed.');
    else appError = new AppError(500, 'internal_error', 'Internal Server Error', 'Something went wrong on our side. It has been logged.');

    if (appError.status >= 500) {
      req.log?.error({ err, code: appError.code }, 'request failed');
      // An API error is audited with its request context (not for the database outage itself).
      if (appError.status === 500)
        void audit.record({
          action: 'api.error',
          outcome: 'failure',
          actor: req.actor ?? requestOrigin(req),
          details: { code: appError.code, path: redactUrl(req.originalUrl), method: req.method },
        });
    }
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(appError.headers)) res.setHeader(k, v);
    res
      .status(appError.status)
      .type('application/problem+json')
      .json({
        type: PROBLEM_BASE + appError.code,
        title: appError.title,
        status: appError.status,
        detail: appError.message,
        code: appError.code,
        instance: req.originalUrl,
        ...(appError.errors ? { errors: appError.errors } : {}),
      });
  };
}

/** 404 problem for any route the API does not serve. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route ${req.method} ${req.path}.`));
};
