import type { FieldError } from '../../errors/app-error.ts';

/**
 * Names and domains no tenant may take. BASE_DOMAIN belongs to the platform: each store's own default
 * `<name>.<BASE_DOMAIN>` lives there and nothing else — a tenant claiming `bob.<BASE_DOMAIN>` as a custom
 * domain would squat the default of a store named "bob" of someone else. The base domain itself and its
 * parents are the platform's too. Reserved names (RESERVED_NAMES plus a built-in list: api, www, admin,
 * dashboard, mail, argocd, grafana, …) are refused as store names, since a store's name becomes a host
 * under the base domain.
 */
export function nameAndDomainProblems(
  input: { name: string; domain?: string },
  settings: { baseDomain: string; reservedNames: readonly string[] },
): FieldError[] {
  const problems: FieldError[] = [];
  const base = settings.baseDomain;
  const name = input.name.toLowerCase();
  if (settings.reservedNames.includes(name)) {
    problems.push({ field: 'name', message: `"${name}" is reserved for the platform's own services; choose another name.`, code: 'name_reserved' });
  }
  const domain = input.domain;
  if (domain !== undefined && domain !== `${name}.${base}`) {
    if (domain === base || base.endsWith(`.${domain}`)) {
      problems.push({ field: 'domain', message: `${domain} is the platform's own domain; a store cannot use it.`, code: 'domain_reserved' });
    } else if (domain.endsWith(`.${base}`)) {
      problems.push({
        field: 'domain',
        message: `Domains under ${base} are the platform's: each store gets ${name}.${base} by default. Leave the domain empty, or use a domain of your own.`,
        code: 'domain_reserved',
      });
    }
  }
  return problems;
}
