/**
 * Application deletion (user-guide/app_deletion/): with `resources-finalizer.argocd.argoproj.io`
 * (foreground, also `/background`) the Application's resources are deleted and the Application goes
 * when they are gone; without it the resources stay.
 */
import type { ClusterStore, KubeObject } from '../cluster-store.ts';
import { keptOnDelete } from './hooks.ts';
import { RESOURCES_FINALIZER, type Logger } from './tracking.ts';

export interface FinalizerContext {
  store: ClusterStore;
  log: Logger;
  live(appName: string): KubeObject[];
}

/** The resources finalizer: deletes what the Application manages, then lets the Application go (true when it removed the finalizer). */
export function finalizeApplication(ctx: FinalizerContext, app: KubeObject): boolean {
  const finalizers = app.metadata.finalizers ?? [];
  const ours = finalizers.filter((f) => f === RESOURCES_FINALIZER || f.startsWith(`${RESOURCES_FINALIZER}/`));
  if (!ours.length) return false;
  const live = ctx.live(app.metadata.name).filter((l) => !keptOnDelete(l));
  for (const l of live) if (!l.metadata.deletionTimestamp) ctx.store.delete(l.apiVersion, l.kind, l.metadata.namespace, l.metadata.name);
  const background = ours.every((f) => f.endsWith('/background'));
  if (!background && ctx.live(app.metadata.name).some((l) => !keptOnDelete(l))) return false;
  ctx.log('info', 'application resources deleted, removing finalizer', { app: app.metadata.name });
  ctx.store.patchMetadata(app, (m) => {
    m.finalizers = (m.finalizers ?? []).filter((f) => !ours.includes(f));
  });
  return true;
}
