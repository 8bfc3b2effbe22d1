/** Helpers shared by the Pod Security checks (pod-security.ts, pod-security-restricted.ts). */
export type Obj = Record<string, unknown>;

export interface Container {
  name: string;
  sc: Obj;
  raw: Obj;
}

export function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function quoted(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

/** `container "a"` / `containers "a", "b"`, the controller's pluralisation. */
export function containersPhrase(names: readonly string[]): string {
  return `${names.length === 1 ? 'container' : 'containers'} ${quoted(names)}`;
}

export function allContainers(spec: Obj): Container[] {
  const out: Container[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of arr(spec[key])) {
      const raw = obj(c);
      out.push({ name: String(raw.name ?? ''), sc: obj(raw.securityContext), raw });
    }
  }
  return out;
}

/** Accepts a PodSpec, or a Pod / pod template (anything with a `spec` holding `containers`). */
export function podSpecOf(input: unknown): Obj {
  const o = obj(input);
  if (!('containers' in o) && 'spec' in o) return obj(o.spec);
  return o;
}

export interface CheckContext {
  /** The pod's annotations (AppArmor's deprecated annotations live there). */
  annotations: Record<string, string>;
  /** Policy version: Kubernetes minor version. */
  minor: number;
}

export type Check = (spec: Obj, containers: Container[], ctx: CheckContext) => string | undefined;

/** `"a", "b"`: upstream's joinQuote (plain quotes, no escaping). */
export function joinQuote(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** Since 1.25 the Linux-only restricted checks skip pods with `spec.os.name: windows`. */
export function isWindowsPod(spec: Obj): boolean {
  return obj(spec.os).name === 'windows';
}
