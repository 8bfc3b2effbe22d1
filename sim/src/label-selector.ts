/**
 * Kubernetes label selectors (the `labelSelector` query string and `matchLabels`/`matchExpressions`),
 * with the API server's syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`.
 */

/** Thrown for a selector the API server would refuse (400). */
export class InvalidSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSelectorError';
  }
}

type Requirement = (labels: Record<string, string>) => boolean;

function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseRequirement(expr: string): Requirement {
  let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(expr);
  if (m) {
    const key = m[1] as string;
    const values = (m[3] as string).split(',').map((v) => v.trim());
    return m[2] === 'in'
      ? (l) => key in l && values.includes(l[key] as string)
      : (l) => !(key in l) || !values.includes(l[key] as string);
  }
  m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(expr);
  if (m) {
    const key = m[1] as string;
    const value = m[3] as string;
    return m[2] === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  m = /^(!?)([\w./-]+)$/.exec(expr);
  if (m) {
    const key = m[2] as string;
    return m[1] ? (l) => !(key in l) : (l) => key in l;
  }
  throw new InvalidSelectorError(`unable to parse requirement: ${JSON.stringify(expr)}`);
}

/** Compiles a labelSelector query string into a predicate over an object's labels. */
export function parseLabelSelector(selector: string | undefined): (labels: Record<string, string> | undefined) => boolean {
  if (!selector || !selector.trim()) return () => true;
  const reqs = splitTopLevel(selector).map(parseRequirement);
  return (labels) => reqs.every((r) => r(labels ?? {}));
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Matches a structured selector (Deployment.spec.selector, NetworkPolicy…). An empty one matches all. */
export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const has = e.key in l;
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(l[e.key] as string))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key] as string)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
