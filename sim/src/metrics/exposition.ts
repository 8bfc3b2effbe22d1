/**
 * The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one line per sample
 * with its labels in the order given. Label values are escaped (backslash, double quote, newline);
 * a family without samples is left out, as client libraries do.
 */
export type MetricType = 'gauge' | 'counter';
export type Labels = Record<string, string>;
export interface Sample {
  labels: Labels;
  value: number;
}
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeValue = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
const escapeHelp = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A family under construction: `add(labels, value)` appends a sample. */
export function family(name: string, type: MetricType, help: string): MetricFamily & { add(labels: Labels, value: number): void } {
  const samples: Sample[] = [];
  return { name, type, help, samples, add: (labels, value) => void samples.push({ labels, value }) };
}

export function render(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!f.samples.length) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeValue(v)}"`)
        .join(',');
      out.push(`${f.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
