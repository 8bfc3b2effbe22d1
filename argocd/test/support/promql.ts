/**
 * What the monitoring tests read out of PromQL: the metric names an expression selects, its vector
 * selectors (name + matchers) and Grafana's variable interpolation.
 */
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'atan2',
]);

/** Metric names an expression selects: identifiers that are not functions, keywords, labels or durations. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '{}') // label matchers
    .replace(/\[[^\]]*\]/g, '[]') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1()'); // label lists
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![a-zA-Z0-9_:]|\s*\()/g)) {
    const w = m[1]!;
    if (PROMQL_WORDS.has(w) || /^(Inf|NaN)$/i.test(w)) continue;
    names.add(w);
  }
  return [...names];
}

/** The vector selectors of an expression: each metric name with its matchers (`{}` when none). */
export function vectorSelectors(expr: string): { name: string; matchers: string; selector: string }[] {
  const out = new Map<string, { name: string; matchers: string; selector: string }>();
  for (const name of metricNames(expr)) {
    const re = new RegExp(`(?<![\\w:."])${name}(?![\\w:])\\s*(\\{[^}]*\\})?(?!\\s*\\()`, 'g');
    for (const m of expr.matchAll(re)) {
      const matchers = m[1] ?? '{}';
      out.set(`${name}${matchers}`, { name, matchers, selector: `${name}${matchers}` });
    }
  }
  return [...out.values()];
}

/** The label names a selector's matchers constrain. */
export const matcherLabels = (matchers: string) => [...matchers.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);

/** Grafana's variables, replaced the way Grafana interpolates them (a multi-value `$store` becomes a regex). */
export const interpolate = (expr: string, vars: { store?: string; rateInterval?: string } = {}) =>
  expr
    .replaceAll('$__rate_interval', vars.rateInterval ?? '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$store', vars.store ?? '0b1c2d3e-0000-4000-8000-000000000001|.+');

export type Dashboard = { uid: string; title: string; panels: { title: string; targets: { expr: string }[] }[]; templating: { list: { name: string; type: string; query?: string | { query: string } }[] } };

/** Every expression of a dashboard: panel targets, and the selector inside each label_values() variable. */
export function dashboardExpressions(d: Dashboard): { where: string; expr: string; variable?: { name: string; label: string } }[] {
  const out: { where: string; expr: string; variable?: { name: string; label: string } }[] = d.panels.flatMap((p) => p.targets.map((t) => ({ where: `${d.uid}: ${p.title}`, expr: t.expr })));
  for (const v of d.templating.list.filter((x) => x.type === 'query')) {
    const q = typeof v.query === 'string' ? v.query : v.query!.query;
    const m = /^label_values\((.+),\s*([a-zA-Z_]\w*)\)$/.exec(q);
    if (!m) throw new Error(`${d.uid}: variable ${v.name}: only label_values(selector, label) is used`);
    out.push({ where: `${d.uid}: variable ${v.name}`, expr: m[1]!, variable: { name: v.name, label: m[2]! } });
  }
  return out;
}

/** The alert rules as shipped: the chart's rule file and the groups of argocd/'s PrometheusRule. */
export const ALERT_RULE_FILES = ['charts/store-platform/files/platform-alerts.yaml', 'argocd/manifests/monitoring/cluster-alerts.yaml'];
