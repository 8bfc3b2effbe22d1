/**
 * StorageClasses and the PersistentVolumeClaimResize admission plugin's question: may a claim of this
 * class grow? Kubernetes allows growing a bound, dynamically provisioned claim only when its
 * StorageClass has `allowVolumeExpansion: true` (k3s's local-path has none, so it never grows).
 */
import type { KubeObject } from '../cluster-store.ts';

/** k3s's default StorageClass as a fresh k3s cluster has it (local-path-provisioner, no expansion). */
export const K3S_LOCAL_PATH: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'rancher.io/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

/** Looks up a StorageClass by name (the live cluster's). */
export type StorageClassLookup = (name: string) => KubeObject | undefined;

/** True when the class exists and allows volume expansion. */
export function allowsExpansion(lookup: StorageClassLookup | undefined, className: string): boolean {
  return lookup?.(className)?.allowVolumeExpansion === true;
}
