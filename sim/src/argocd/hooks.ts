/**
 * Argo CD resource hooks and the per-resource sync options (user-guide/resource_hooks/,
 * user-guide/helm/#helm-hooks, user-guide/sync-options/).
 */
import type { KubeObject } from '../cluster-store.ts';
import { kindInfo } from '../kinds.ts';
import { TRACKING, trackingId } from './tracking.ts';
import type { Task } from './waves.ts';

export type HookType = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

export type HookDeletePolicy = 'BeforeHookCreation' | 'HookSucceeded' | 'HookFailed';

const HOOK_DELETE_POLICIES: readonly string[] = ['BeforeHookCreation', 'HookSucceeded', 'HookFailed'];

/** Helm's hook-delete-policy values and the Argo CD policy each maps to (gitops-engine pkg/sync/hook/helm). */
const HELM_DELETE_POLICIES: Record<string, HookDeletePolicy> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

function csv(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * A hook's delete policies: Argo CD's annotation and Helm's (mapped) together, BeforeHookCreation when
 * neither names one (gitops-engine pkg/sync/hook/delete_policy.go DeletePolicies).
 */
export function deletePolicies(o: KubeObject): HookDeletePolicy[] {
  const a = o.metadata.annotations ?? {};
  const policies = new Set<HookDeletePolicy>();
  for (const p of csv(a['argocd.argoproj.io/hook-delete-policy'])) if (HOOK_DELETE_POLICIES.includes(p)) policies.add(p as HookDeletePolicy);
  for (const p of csv(a['helm.sh/hook-delete-policy'])) if (HELM_DELETE_POLICIES[p]) policies.add(HELM_DELETE_POLICIES[p]);
  return policies.size ? [...policies] : ['BeforeHookCreation'];
}

/** Helm hooks → Argo CD hooks (https://argo-cd.readthedocs.io/en/stable/user-guide/helm/#helm-hooks). */
export function hookOf(o: KubeObject): { hook?: HookType; skip: boolean; deletePolicy: HookDeletePolicy[]; weight: number } {
  const a = o.metadata?.annotations ?? {};
  const argo = a['argocd.argoproj.io/hook'];
  const weight = Number(a['argocd.argoproj.io/sync-wave'] ?? a['helm.sh/hook-weight'] ?? 0) || 0;
  if (argo) {
    const deletePolicy = deletePolicies(o);
    const first = csv(argo)[0];
    if (first === 'Skip') return { skip: true, deletePolicy, weight };
    if (first === 'PreSync' || first === 'Sync' || first === 'PostSync' || first === 'SyncFail') return { hook: first, skip: false, deletePolicy, weight };
    return { skip: true, deletePolicy, weight }; // PostDelete: not run by the sim
  }
  const helm = a['helm.sh/hook'];
  if (!helm) return { skip: false, deletePolicy: [], weight };
  const deletePolicy = deletePolicies(o);
  const kinds = csv(helm);
  if (kinds.some((k) => k === 'pre-install' || k === 'pre-upgrade')) return { hook: 'PreSync', skip: false, deletePolicy, weight };
  if (kinds.some((k) => k === 'post-install' || k === 'post-upgrade')) return { hook: 'PostSync', skip: false, deletePolicy, weight };
  return { skip: true, deletePolicy, weight }; // test, crd-install, *-delete, *-rollback: ignored
}

export function syncOptions(o: KubeObject): string[] {
  return (o.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').map((x) => x.trim());
}

/** `helm.sh/resource-policy: keep` (Argo CD >= 2.8, argo-cd#13157) and `Prune=false` keep a resource on prune. */
export function keptOnPrune(o: KubeObject): boolean {
  return o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep' || syncOptions(o).includes('Prune=false');
}

/** …and `Delete=false` keeps it when the Application is deleted. */
export function keptOnDelete(o: KubeObject): boolean {
  return o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep' || syncOptions(o).includes('Delete=false');
}

/** Desired objects with destination namespace and tracking annotation, split into resources and hooks. */
export function desiredTasks(app: KubeObject, objects: readonly KubeObject[]): { resources: Task[]; hooks: Task[] } {
  const namespace: string = app.spec.destination?.namespace ?? '';
  const resources: Task[] = [];
  const hooks: Task[] = [];
  for (const raw of objects) {
    const o = structuredClone(raw);
    if (!o.metadata || typeof o.metadata !== 'object') o.metadata = { name: '' };
    const info = kindInfo(o.apiVersion, o.kind);
    if (info?.namespaced !== false && !o.metadata.namespace) o.metadata.namespace = namespace;
    if (info && !info.namespaced) delete o.metadata.namespace;
    const h = hookOf(o);
    if (h.skip) continue;
    o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [TRACKING]: trackingId(app.metadata.name, o) };
    const task: Task = { obj: o, wave: h.weight, deletePolicy: h.deletePolicy, ...(h.hook ? { hook: h.hook } : {}) };
    (h.hook ? hooks : resources).push(task);
  }
  return { resources, hooks };
}
