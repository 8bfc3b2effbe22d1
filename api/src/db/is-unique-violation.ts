/** PostgreSQL unique_violation (23505), optionally on a named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; nativeError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.nativeError?.code;
  const name = e?.constraint ?? e?.nativeError?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
