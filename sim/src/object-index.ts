import type { KubeObject } from './cluster-store.ts';

/** The object map with secondary indexes by kind and by namespace (lists stay cheap with many stores). */
export class ObjectIndex {
  #all = new Map<string, KubeObject>();
  #byKind = new Map<string, Map<string, KubeObject>>();
  #byNamespace = new Map<string, Map<string, KubeObject>>();

  static kindKey(apiVersion: string, kind: string): string {
    return `${apiVersion}|${kind}`;
  }

  get size(): number {
    return this.#all.size;
  }

  get(key: string): KubeObject | undefined {
    return this.#all.get(key);
  }

  has(key: string): boolean {
    return this.#all.has(key);
  }

  set(key: string, o: KubeObject): void {
    this.#all.set(key, o);
    const k = ObjectIndex.kindKey(o.apiVersion, o.kind);
    (this.#byKind.get(k) ?? this.#byKind.set(k, new Map()).get(k))?.set(key, o);
    const ns = o.metadata.namespace ?? '';
    (this.#byNamespace.get(ns) ?? this.#byNamespace.set(ns, new Map()).get(ns))?.set(key, o);
  }

  delete(key: string): void {
    const o = this.#all.get(key);
    if (!o) return;
    this.#all.delete(key);
    this.#byKind.get(ObjectIndex.kindKey(o.apiVersion, o.kind))?.delete(key);
    this.#byNamespace.get(o.metadata.namespace ?? '')?.delete(key);
  }

  values(): IterableIterator<KubeObject> {
    return this.#all.values();
  }

  keys(): IterableIterator<string> {
    return this.#all.keys();
  }

  entries(): IterableIterator<[string, KubeObject]> {
    return this.#all.entries();
  }

  ofKind(apiVersion: string, kind: string): Iterable<KubeObject> {
    return this.#byKind.get(ObjectIndex.kindKey(apiVersion, kind))?.values() ?? [];
  }

  inNamespace(namespace: string): Iterable<KubeObject> {
    return this.#byNamespace.get(namespace)?.values() ?? [];
  }
}
