/**
 * Sync phases, waves and kind order (gitops-engine pkg/sync/sync_tasks.go; user-guide/sync-waves/):
 * tasks sorted by phase, wave, kind, name and grouped by phase and wave.
 */
import type { KubeObject } from '../cluster-store.ts';
import type { HookDeletePolicy, HookType } from './hooks.ts';

export interface Task {
  obj: KubeObject;
  hook?: HookType;
  wave: number;
  deletePolicy: HookDeletePolicy[];
}

const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding',
  'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

export function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

/** Tasks in the order they run, one group per phase and wave. */
export function syncGroups(tasks: Task[]): Task[][] {
  const phaseRank = { PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3 } as const;
  const sorted = [...tasks].sort(
    (a, b) =>
      phaseRank[a.hook ?? 'Sync'] - phaseRank[b.hook ?? 'Sync'] ||
      a.wave - b.wave ||
      kindRank(a.obj.kind) - kindRank(b.obj.kind) ||
      a.obj.metadata.name.localeCompare(b.obj.metadata.name),
  );
  const groups: Task[][] = [];
  let key = '';
  for (const t of sorted) {
    const k = `${t.hook ?? 'Sync'}:${t.wave}`;
    if (k !== key || !groups.length) groups.push([]);
    key = k;
    (groups[groups.length - 1] as Task[]).push(t);
  }
  return groups;
}
