/** Exit codes of a process that cannot start (sysexits.h). */
export const EX_CONFIG = 78;

/** A start-up failure: one line naming the cause and what to change, no stack trace. */
export class StartupFailure extends Error {
  override name = 'StartupFailure';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Where DATABASE_URL points, without its password: `host:port/database`. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** pg/Node error codes that waiting will not fix: a wrong password, user, database or host name. */
const PERMANENT = new Set(['28P01', '28000', '3D000', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_URL', '3F000', '42501']);

/** Why the database cannot be used, in words, and whether waiting may help (it is starting, or not up yet). */
export function classifyDatabaseError(err: unknown): { transient: boolean; reason: string } {
  const e = err as { code?: string; message?: string; errors?: Array<{ code?: string }> } | undefined;
  const code = e?.code ?? e?.errors?.[0]?.code;
  const first = String(e?.message ?? err).split('\n')[0]!;
  if (code && PERMANENT.has(code)) return { transient: false, reason: first };
  if (/password authentication failed|does not exist|role .* does not exist|getaddrinfo/i.test(first)) return { transient: false, reason: first };
  return { transient: true, reason: code ? `${code}: ${first}` : first };
}

/** Prints the one line and exits. */
export function exitWith(failure: StartupFailure): never {
  process.stderr.write(`store platform cannot start: ${failure.message}\n`);
  process.exit(failure.exitCode);
}
