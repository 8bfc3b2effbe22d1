/**
 * The API's rules for a store's name and domain (api/src/features/stores/store.schema.ts), checked in the
 * browser before anything is sent. ui/test/store-rules.test.ts proves both agree on a table of inputs.
 */

/** Letters, digits and hyphens, starting and ending with a letter or digit. */
const STORE_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
/** RFC 1123 label, lower case (domains are lower-cased before the check). */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export type StoreFieldErrors = { name?: string; domain?: string };

/** The problem with a store name, or undefined when the API would accept it. */
export function storeNameError(name: string): string | undefined {
  if (name.length < 3) return 'A store name has at least 3 characters.';
  if (name.length > 40) return 'A store name has at most 40 characters.';
  if (!STORE_NAME.test(name)) return 'Use letters, digits and hyphens, starting and ending with a letter or digit.';
  return undefined;
}

/** The problem with a domain (already trimmed; empty means "use the default"), or undefined. */
export function domainError(input: string): string | undefined {
  const d = input.trim().toLowerCase();
  if (d.length === 0 || d.length > 253) return 'A domain has 1 to 253 characters.';
  const labels = d.split('.');
  if (labels.length < 2) return 'A domain has at least two labels, e.g. shop.example.com.';
  if (labels.some((l) => l.length > 63)) return 'Each part of a domain has at most 63 characters.';
  if (!labels.every((l) => LABEL.test(l))) return 'A domain has letters, digits and hyphens in dot-separated parts; no part starts or ends with a hyphen.';
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'An IP address is not a domain.';
  return undefined;
}

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
