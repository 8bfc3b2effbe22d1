/**
 * The rules of a store's name and domain, in one module: the API's schema (store.schema.ts) applies
 * them, and the dashboard imports the same functions to check a form before anything is sent. Pure, no
 * dependencies, so it runs in the browser too.
 */

/** Letters, digits and hyphens, starting and ending with a letter or digit. */
export const STORE_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
/** RFC 1123 label, lower case (domains are lower-cased before the check). */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const STORE_NAME_MIN = 3;
export const STORE_NAME_MAX = 40;

export const NAME_MESSAGES = {
  short: 'A store name has at least 3 characters.',
  long: 'A store name has at most 40 characters.',
  format: 'Use letters, digits and hyphens, starting and ending with a letter or digit.',
} as const;

/** A rule that failed: the API's field-error code and the message shown next to the field. */
export type RuleProblem = { code: 'too_small' | 'too_big' | 'invalid_format' | 'invalid_domain'; message: string };

export type StoreFieldErrors = { name?: string; domain?: string };

/** What is wrong with a store name, or undefined when it is valid. */
export function storeNameProblem(name: string): RuleProblem | undefined {
  if (name.length < STORE_NAME_MIN) return { code: 'too_small', message: NAME_MESSAGES.short };
  if (name.length > STORE_NAME_MAX) return { code: 'too_big', message: NAME_MESSAGES.long };
  if (!STORE_NAME.test(name)) return { code: 'invalid_format', message: NAME_MESSAGES.format };
  return undefined;
}

/** What is wrong with a domain (trimmed and lower-cased first), or undefined: a DNS hostname (RFC 1123), ≤ 253, labels ≤ 63, at least two labels, not an IP address. */
export function domainProblem(input: string): RuleProblem | undefined {
  const d = input.trim().toLowerCase();
  const fail = (message: string): RuleProblem => ({ code: 'invalid_domain', message });
  if (d.length === 0 || d.length > 253) return fail('A domain has 1 to 253 characters.');
  const labels = d.split('.');
  if (labels.length < 2) return fail('A domain has at least two labels, e.g. shop.example.com.');
  if (labels.some((l) => l.length > 63)) return fail('Each part of a domain has at most 63 characters.');
  if (!labels.every((l) => LABEL.test(l)))
    return fail('A domain has letters, digits and hyphens in dot-separated parts; no part starts or ends with a hyphen.');
  if (/^\d+$/.test(labels[labels.length - 1]!)) return fail('An IP address is not a domain.');
  return undefined;
}

/** The message for a store name, or undefined when the API would accept it. */
export const storeNameError = (name: string): string | undefined => storeNameProblem(name)?.message;

/** The message for a domain, or undefined. */
export const domainError = (domain: string): string | undefined => domainProblem(domain)?.message;

/** Every field problem of a create request; the domain is optional (blank = `<name>.<BASE_DOMAIN>`). */
export function checkStoreInput(input: { name: string; domain: string }): StoreFieldErrors {
  const errors: StoreFieldErrors = {};
  const name = storeNameError(input.name);
  if (name) errors.name = name;
  if (input.domain.trim() !== '') {
    const domain = domainError(input.domain);
    if (domain) errors.domain = domain;
  }
  return errors;
}
