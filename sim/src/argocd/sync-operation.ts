/**
 * A sync operation (gitops-engine pkg/sync/sync_context.go): dry-run of every task first (nothing is
 * applied if one fails), then phases PreSync → Sync → PostSync in waves, waiting for health between
 * waves, hooks run to completion, `syncPolicy.retry` with exponential back-off, `prune` deleting what
 * left Git. The API server's checks on each object are the sim's admission, as on a real dry run.
 */
import type { ClusterStore, KubeObject } from '../cluster-store.ts';
import { kubeTime, resourceName } from '../cluster-store.ts';
import type { AppSource } from '../render-manifests.ts';
import { kindInfo } from '../kinds.ts';
import { validateObject } from '../admission/schema.ts';
import { admitPod, admitPersistentVolumeClaim, admitPersistentVolumeClaimUpdate } from '../admission/pod-admission.ts';
import { admitObjectCount } from '../admission/object-count-quota.ts';
import { checkUpdate } from '../admission/immutable-fields.ts';
import { resourceHealth, type Health } from '../health.ts';
import type { Faults } from '../faults.ts';
import { comparable } from './diff.ts';
import { hookOf, keptOnPrune } from './hooks.ts';
import { resourceNotPermitted, type ProjectLookup } from './project-policy.ts';
import { REFRESH, groupOf, resourceRef, versionOf, type Logger } from './tracking.ts';
import { syncGroups, type Task } from './waves.ts';

/** What a sync operation needs from the controller. */
export interface SyncContext {
  store: ClusterStore;
  faults: Faults;
  now: () => number;
  log: Logger;
  /** Multiplies durations written in specs (retry back-off). */
  timeScale(): number;
  live(appName: string): KubeObject[];
  project: ProjectLookup;
}

export interface Operation {
  sha: string;
  source: AppSource;
  startedAt: string;
  initiatedBy: Record<string, unknown>;
  groups: Task[][];
  /** SyncFail hooks, run when the operation fails for good. */
  syncFail: Task[];
  step: number;
  dryRunDone: boolean;
  waitingOn: Task[];
  retryCount: number;
  nextRetryAt?: number;
  prune: boolean;
  results: Record<string, unknown>[];
  message: string;
  manual: boolean;
}

export function newOperation(ctx: SyncContext, app: KubeObject, sha: string, resources: Task[], hooks: Task[], initiatedBy: Record<string, unknown>, prune: boolean, manual: boolean): Operation {
  const groups = syncGroups([...resources, ...hooks.filter((h) => h.hook !== 'SyncFail')]);
  const syncFail = hooks.filter((h) => h.hook === 'SyncFail');
  const op: Operation = {
    sha,
    source: app.spec.source,
    startedAt: kubeTime(ctx.now()),
    initiatedBy,
    groups,
    syncFail,
    step: 0,
    dryRunDone: false,
    waitingOn: [],
    retryCount: 0,
    prune,
    results: [],
    message: 'waiting to start',
    manual,
  };
  ctx.log('info', 'sync started', { app: app.metadata.name, revision: sha, initiatedBy });
  return op;
}

export function operationState(ctx: SyncContext, app: KubeObject, op: Operation, done: 'Succeeded' | 'Failed' | undefined): Record<string, unknown> {
  return {
    operation: {
      sync: { revision: op.sha, ...(op.prune ? { prune: true } : {}), syncStrategy: { hook: {} } },
      initiatedBy: op.initiatedBy,
      ...(app.spec?.syncPolicy?.retry ? { retry: app.spec.syncPolicy.retry } : {}),
    },
    phase: done ?? 'Running',
    message: op.message,
    startedAt: op.startedAt,
    ...(done ? { finishedAt: kubeTime(ctx.now()) } : {}),
    ...(op.retryCount ? { retryCount: op.retryCount } : {}),
    syncResult: { revision: op.sha, source: op.source, resources: op.results },
  };
}

export function taskResult(t: Task, status: string, message: string): Record<string, unknown> {
  const o = t.obj;
  return {
    group: groupOf(o.apiVersion),
    version: versionOf(o.apiVersion),
    kind: o.kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    status,
    message,
    ...(t.hook ? { hookType: t.hook, hookPhase: status === 'SyncFailed' ? 'Failed' : 'Running' } : {}),
    syncPhase: t.hook ?? 'Sync',
  };
}

/** Validation of one object as the API server's dry run would do it; the error message or undefined. */
export function dryRun(ctx: SyncContext, app: KubeObject, o: KubeObject, namespacesInSync: Set<string>): string | undefined {
  const info = kindInfo(o.apiVersion, o.kind);
  if (!info) {
    return `The Kubernetes API could not find ${groupOf(o.apiVersion) || 'core'}/${o.kind} for requested resource ${o.metadata.namespace ?? ''}/${o.metadata.name}. Make sure the "${o.kind}" CRD is installed on the destination cluster.`;
  }
  const notPermitted = resourceNotPermitted(app, o, ctx.project);
  if (notPermitted) return notPermitted;
  const errors = validateObject(o);
  if (errors.length) {
    const unknown = errors.filter((e) => e.endsWith('field not declared in schema'));
    if (unknown.length) return `failed to create typed patch object (${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}; ${o.apiVersion}, Kind=${o.kind}): ${unknown.join('\n')}`;
    const gk = info.group ? `${info.kind}.${info.group}` : info.kind;
    return `${gk} ${JSON.stringify(o.metadata.name)} is invalid: ${errors.length > 1 ? `[${errors.join(', ')}]` : errors[0]}`;
  }
  if (info.namespaced) {
    const ns = o.metadata.namespace as string;
    const live = ctx.store.get('v1', 'Namespace', undefined, ns);
    if (!live && !namespacesInSync.has(ns)) return `namespaces ${JSON.stringify(ns)} not found`;
    if (live?.metadata.deletionTimestamp) return `${resourceName(o)} ${JSON.stringify(o.metadata.name)} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`;
  }
  const existing = ctx.store.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
  // The API server's update checks (immutable fields), except for a hook deleted before it is created again.
  const hook = hookOf(o);
  const recreated = hook.hook && hook.deletePolicy.includes('BeforeHookCreation');
  if (existing && !recreated) {
    const refused = checkUpdate(existing, o, (name) => ctx.store.get('storage.k8s.io/v1', 'StorageClass', undefined, name));
    if (refused) return refused.message;
    if (o.kind === 'PersistentVolumeClaim') {
      const quota = admitPersistentVolumeClaimUpdate(existing, o, ctx.store.list('v1', 'ResourceQuota', { namespace: o.metadata.namespace }), ctx.store.list('v1', 'PersistentVolumeClaim', { namespace: o.metadata.namespace }));
      if (quota) return quota;
    }
  }
  if (!existing && info.namespaced) {
    const quotas = ctx.store.list('v1', 'ResourceQuota', { namespace: o.metadata.namespace });
    const refused = quotas.length ? admitObjectCount(o, quotas, ctx.store.listNamespace(o.metadata.namespace as string)) : undefined;
    if (refused) return refused;
  }
  if (!existing && o.kind === 'PersistentVolumeClaim') {
    const quota = admitPersistentVolumeClaim(o, ctx.store.list('v1', 'ResourceQuota', { namespace: o.metadata.namespace }), ctx.store.list('v1', 'PersistentVolumeClaim', { namespace: o.metadata.namespace }));
    if (quota) return quota;
  }
  if (o.kind === 'Pod') {
    const ns = ctx.store.get('v1', 'Namespace', undefined, o.metadata.namespace as string);
    const r = admitPod(o, {
      namespaceLabels: ns?.metadata.labels,
      limitRanges: ctx.store.list('v1', 'LimitRange', { namespace: o.metadata.namespace }),
      resourceQuotas: ctx.store.list('v1', 'ResourceQuota', { namespace: o.metadata.namespace }),
      pods: ctx.store.list('v1', 'Pod', { namespace: o.metadata.namespace }),
    });
    if (!r.allowed) return r.message;
  }
  return undefined;
}

export function apply(ctx: SyncContext, o: KubeObject): string {
  const existing = ctx.store.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
  const name = `${resourceName(o).replace(/s(\.|$)/, '$1')}/${o.metadata.name}`;
  if (existing && comparable(existing) === comparable(o)) return `${name} unchanged`;
  const next: KubeObject = { ...o, ...(existing?.status ? { status: existing.status } : {}), ...(existing?.operation ? { operation: existing.operation } : {}) };
  const refresh = existing?.metadata.annotations?.[REFRESH];
  if (refresh !== undefined) next.metadata = { ...next.metadata, annotations: { ...(next.metadata.annotations ?? {}), [REFRESH]: refresh } };
  if (existing?.metadata.ownerReferences && !o.metadata.ownerReferences) next.metadata = { ...next.metadata, ownerReferences: existing.metadata.ownerReferences };
  if (o.kind === 'Pod' && existing) ctx.store.delete('v1', 'Pod', o.metadata.namespace, o.metadata.name);
  ctx.store.put(next);
  return `${name} ${existing ? 'configured' : 'created'}`;
}

/** Advances a sync operation; returns its final phase when it ends. */
export function progress(ctx: SyncContext, app: KubeObject, op: Operation): 'Succeeded' | 'Failed' | undefined {
  if (op.nextRetryAt !== undefined) {
    if (ctx.now() < op.nextRetryAt) return undefined;
    op.nextRetryAt = undefined;
  }
  const fail = (message: string): 'Failed' | undefined => {
    const retry = app.spec?.syncPolicy?.retry as { limit?: number; backoff?: { duration?: string; factor?: number; maxDuration?: string } } | undefined;
    const limit = retry?.limit ?? 0;
    if (retry && (limit < 0 || op.retryCount < limit)) {
      const seconds = (s: string | undefined, d: number) => {
        const m = /^(\d+)(s|m|h)?$/.exec(s ?? '');
        return m ? Number(m[1]) * (m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : 1) : d;
      };
      const base = seconds(retry.backoff?.duration, 5);
      const factor = retry.backoff?.factor ?? 2;
      const max = seconds(retry.backoff?.maxDuration, 180);
      const delayS = Math.min(base * factor ** op.retryCount, max);
      op.retryCount += 1;
      op.nextRetryAt = ctx.now() + delayS * 1000 * ctx.timeScale();
      op.step = 0;
      op.dryRunDone = false;
      op.waitingOn = [];
      const at = new Date(op.nextRetryAt).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).replace(' ', '');
      op.message = `Retrying attempt #${op.retryCount} at ${at}: ${message}`;
      ctx.log('warn', 'sync failed, retrying', { app: app.metadata.name, attempt: op.retryCount, message });
      return undefined;
    }
    op.message = op.retryCount ? `${message} (retried ${op.retryCount} times).` : message;
    runSyncFailHooks(ctx, app, op);
    ctx.log('warn', 'sync failed', { app: app.metadata.name, revision: op.sha, message: op.message });
    return 'Failed';
  };
  if (!op.dryRunDone) {
    op.results = [];
    const injected = ctx.faults.syncFailure(app.metadata.name);
    if (injected) return fail(injected);
    const namespaces = new Set<string>();
    for (const g of op.groups) for (const t of g) if (t.obj.kind === 'Namespace') namespaces.add(t.obj.metadata.name);
    if ((app.spec?.syncPolicy?.syncOptions ?? []).includes('CreateNamespace=true')) namespaces.add(app.spec.destination?.namespace);
    const invalid: string[] = [];
    const failed: string[] = [];
    for (const g of op.groups) {
      for (const t of g) {
        const err = dryRun(ctx, app, t.obj, namespaces);
        if (!err) continue;
        op.results.push(taskResult(t, 'SyncFailed', err));
        if (err.includes('is not permitted in project') || err.startsWith('The Kubernetes API could not find')) invalid.push(err);
        else failed.push(err);
      }
    }
    if (invalid.length) return fail('one or more synchronization tasks are not valid');
    // gitops-engine sync_context.go: a failed dry run fails the whole operation before anything is applied.
    if (failed.length) return fail(`one or more objects failed to apply (dry run), reason: ${failed.join(',')}`);
    op.dryRunDone = true;
    const ns: string | undefined = app.spec.destination?.namespace;
    if ((app.spec?.syncPolicy?.syncOptions ?? []).includes('CreateNamespace=true') && ns && !ctx.store.get('v1', 'Namespace', undefined, ns)) {
      ctx.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
  }
  while (op.step <= op.groups.length) {
    if (op.waitingOn.length) {
      for (const t of op.waitingOn) {
        const live = ctx.store.get(t.obj.apiVersion, t.obj.kind, t.obj.metadata.namespace, t.obj.metadata.name);
        const h: Health | undefined = live ? resourceHealth(live) : t.hook ? { status: 'Healthy' } : { status: 'Missing' };
        if (h?.status === 'Degraded') {
          if (t.hook) finishHook(ctx, op, t, false, h.message);
          const ref = `${groupOf(t.obj.apiVersion)}/${t.obj.kind}/${t.obj.metadata.name}`;
          return fail(`one or more synchronization tasks completed unsuccessfully, reason: ${h.message ?? `${ref} is Degraded`}`);
        }
        if (h && h.status !== 'Healthy' && h.status !== 'Suspended') {
          op.message = t.hook
            ? `waiting for completion of hook ${groupOf(t.obj.apiVersion)}/${t.obj.kind}/${t.obj.metadata.name}`
            : `waiting for healthy state of ${groupOf(t.obj.apiVersion)}/${t.obj.kind}/${t.obj.metadata.name}`;
          return undefined;
        }
      }
      for (const t of op.waitingOn) if (t.hook) finishHook(ctx, op, t, true);
      op.waitingOn = [];
    }
    if (op.step === op.groups.length) break;
    const group = op.groups[op.step] as Task[];
    const errors: string[] = [];
    for (const t of group) {
      try {
        if (t.hook) deleteBeforeHookCreation(ctx, t);
        const err = dryRun(ctx, app, t.obj, new Set());
        if (err) {
          errors.push(err);
          op.results.push(taskResult(t, 'SyncFailed', err));
          continue;
        }
        const msg = apply(ctx, t.obj);
        op.results.push(taskResult(t, 'Synced', msg));
      } catch (err) {
        errors.push((err as Error).message);
        op.results.push(taskResult(t, 'SyncFailed', (err as Error).message));
      }
    }
    if (errors.length) return fail(`one or more objects failed to apply, reason: ${errors.join(',')}`);
    op.step += 1;
    // Argo CD waits for a wave to be healthy only when something comes after it; hooks always.
    const needsWait = op.step < op.groups.length || group.some((t) => t.hook);
    if (needsWait) op.waitingOn = group;
    if (!needsWait) break;
  }
  if (op.step < op.groups.length || op.waitingOn.length) return undefined;
  if (op.prune) {
    const desired = new Set(op.groups.flat().map((t) => resourceRef(t.obj)));
    for (const l of ctx.live(app.metadata.name)) {
      if (desired.has(resourceRef(l)) || hookOf(l).hook || keptOnPrune(l)) continue;
      ctx.store.delete(l.apiVersion, l.kind, l.metadata.namespace, l.metadata.name);
      op.results.push({ group: groupOf(l.apiVersion), version: versionOf(l.apiVersion), kind: l.kind, namespace: l.metadata.namespace ?? '', name: l.metadata.name, status: 'Pruned', message: 'pruned', syncPhase: 'Sync' });
    }
  }
  op.message = 'successfully synced (all tasks run)';
  ctx.log('info', 'sync succeeded', { app: app.metadata.name, revision: op.sha });
  return 'Succeeded';
}

/** BeforeHookCreation (the default policy): the hook left by an earlier sync goes before it is created again. */
function deleteBeforeHookCreation(ctx: SyncContext, t: Task): void {
  if (!t.deletePolicy.includes('BeforeHookCreation')) return;
  const existing = ctx.store.get(t.obj.apiVersion, t.obj.kind, t.obj.metadata.namespace, t.obj.metadata.name);
  if (existing) ctx.store.remove(existing);
}

/** A hook that completed: its result's hookPhase, then HookSucceeded / HookFailed deletion. */
function finishHook(ctx: SyncContext, op: Operation, t: Task, succeeded: boolean, message?: string): void {
  const r = [...op.results].reverse().find((x) => x.kind === t.obj.kind && x.name === t.obj.metadata.name && x.hookType === t.hook);
  if (r) {
    r.hookPhase = succeeded ? 'Succeeded' : 'Failed';
    if (!succeeded) {
      r.status = 'SyncFailed';
      if (message) r.message = message;
    }
  }
  if (t.deletePolicy.includes(succeeded ? 'HookSucceeded' : 'HookFailed')) {
    ctx.store.delete(t.obj.apiVersion, t.obj.kind, t.obj.metadata.namespace, t.obj.metadata.name);
  }
}

/** SyncFail hooks run once the operation has failed for good (user-guide/resource_hooks/); the sim does not wait for them. */
function runSyncFailHooks(ctx: SyncContext, app: KubeObject, op: Operation): void {
  for (const t of op.syncFail) {
    deleteBeforeHookCreation(ctx, t);
    const err = dryRun(ctx, app, t.obj, new Set());
    op.results.push(taskResult(t, err ? 'SyncFailed' : 'Synced', err ?? apply(ctx, t.obj)));
  }
}
