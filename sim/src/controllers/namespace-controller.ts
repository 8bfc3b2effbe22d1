/**
 * Namespace lifecycle: Active; on delete Terminating — its contents deleted — gone after
 * `namespaceTerminationMs` once empty.
 */
import { kubeTime } from '../cluster-store.ts';
import type { Controller, ControllerContext } from './controller.ts';

export class NamespaceController implements Controller {
  readonly name = 'namespace';
  readonly #c: ControllerContext;
  /** When each namespace started terminating (by uid). */
  #terminatingSince = new Map<string, number>();

  constructor(c: ControllerContext) {
    this.#c = c;
  }

  reset(): void {
    this.#terminatingSince.clear();
  }

  reconcile(): void {
    for (const ns of this.#c.store.list('v1', 'Namespace')) {
      if (!ns.metadata.deletionTimestamp) {
        if (ns.status?.phase !== 'Active') this.#c.store.setStatus(ns, { phase: 'Active' });
        continue;
      }
      for (const o of this.#c.store.listNamespace(ns.metadata.name)) {
        if (o.metadata.finalizers?.length && o.kind !== 'Application') {
          this.#c.store.patchMetadata(o, (m) => {
            m.finalizers = [];
            m.deletionTimestamp ??= kubeTime(this.#c.now());
          });
        }
        this.#c.store.delete(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
      }
      const since = this.#terminatingSince.get(ns.metadata.uid as string) ?? this.#c.now();
      this.#terminatingSince.set(ns.metadata.uid as string, since);
      if (this.#c.now() - since >= this.#c.t.namespaceTerminationMs && this.#c.store.listNamespace(ns.metadata.name).length === 0) {
        this.#terminatingSince.delete(ns.metadata.uid as string);
        this.#c.store.remove(ns);
      }
    }
  }
}
