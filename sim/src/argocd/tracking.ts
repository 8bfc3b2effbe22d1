/**
 * How Argo CD names and tracks what an Application manages: the annotation tracking method (3.x default,
 * https://argo-cd.readthedocs.io/en/stable/user-guide/resource_tracking/) and the group/kind/name refs
 * of gitops-engine's kube.ResourceKey.
 */
import type { ClusterStore, KubeObject, WatchEvent } from '../cluster-store.ts';

export const ARGO_API = 'argoproj.io/v1alpha1';
export const TRACKING = 'argocd.argoproj.io/tracking-id';
export const REFRESH = 'argocd.argoproj.io/refresh';
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const IN_CLUSTER = 'https://kubernetes.default.svc';

export type Logger = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
}

export function versionOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[1] as string) : apiVersion;
}

export function resourceRef(o: KubeObject): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function trackingId(app: string, o: KubeObject): string {
  return `${app}:${groupOf(o.apiVersion)}/${o.kind}:${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/**
 * Live objects by the Application that tracks them (gitops-engine pkg/cache, in small): an index of
 * refs rebuilt only when tracked objects come or go.
 */
export class TrackedObjects {
  readonly #store: ClusterStore;
  #index: Map<string, [string, string, string | undefined, string][]> | undefined;

  constructor(store: ClusterStore) {
    this.#store = store;
    store.on('event', (e: WatchEvent) => {
      if (e.type !== 'MODIFIED' || e.object.metadata.annotations?.[TRACKING]) {
        if (e.type === 'MODIFIED' && this.#index) {
          const id = e.object.metadata.annotations?.[TRACKING] as string;
          const refs = this.#index.get(id.slice(0, id.indexOf(':')));
          if (refs?.some(([a, k, n, m]) => a === e.object.apiVersion && k === e.object.kind && n === e.object.metadata.namespace && m === e.object.metadata.name)) return;
        }
        this.#index = undefined;
      }
    });
  }

  /** Live objects tracked by an Application (index of refs rebuilt only when objects come or go). */
  of(appName: string): KubeObject[] {
    if (!this.#index) {
      const index = new Map<string, [string, string, string | undefined, string][]>();
      for (const o of this.#store.scan()) {
        const id = o.metadata.annotations?.[TRACKING];
        if (!id) continue;
        const app = id.slice(0, id.indexOf(':'));
        if (id !== trackingId(app, o)) continue;
        (index.get(app) ?? index.set(app, []).get(app))?.push([o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name]);
      }
      this.#index = index;
    }
    const out: KubeObject[] = [];
    for (const [apiVersion, kind, ns, name] of this.#index.get(appName) ?? []) {
      const o = this.#store.get(apiVersion, kind, ns, name);
      if (o && o.metadata.annotations?.[TRACKING] === trackingId(appName, o)) out.push(o);
    }
    return out;
  }
}
