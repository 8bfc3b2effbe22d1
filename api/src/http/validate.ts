import type { z } from 'zod';
import { ValidationError, type FieldError } from '../errors/app-error.ts';

/** zod issues → the API's field errors (`unrecognized_keys` becomes one error per unknown field). */
export function toFieldErrors(error: z.ZodError, location: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: base ? `${base}.${key}` : key, message: 'Unknown field.', code: 'unknown_field' });
      continue;
    }
    const code = issue.code === 'custom' ? String((issue.params as { code?: string } | undefined)?.code ?? 'invalid') : issue.code;
    out.push({ field: base || location, message: issue.message, code });
  }
  return out;
}

/** Parses `data` with `schema` or throws a 422 ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown, location: 'body' | 'query' | 'params' | 'headers'): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new ValidationError(toFieldErrors(result.error, location));
  return result.data;
}
