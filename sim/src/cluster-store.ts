/**
 * The sim's etcd: every object of the simulated cluster, in memory, with the API server's bookkeeping
 * (uid, resourceVersion, generation, creationTimestamp, deletionTimestamp + finalizers), a watch event
 * history for `?watch=true&resourceVersion=N`, and an optional JSON state file so a restarted process
 * keeps its cluster.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { kindInfo } from './kinds.ts';
import { parseLabelSelector } from './label-selector.ts';
import { ObjectIndex } from './object-index.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
  resourceVersion: number;
  /** The object before a MODIFIED (a watch with a label selector turns a change out of it into DELETED). */
  previous?: KubeObject;
}

/** The API server's "not found" / "already exists" / "conflict", carried as typed errors. */
export class StoreError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    this.reason = reason;
  }
}

/**
 * Events kept per resource type for watches from a resourceVersion (the API server's watch cache keeps
 * a window per resource; older → 410 Gone "too old resource version").
 */
const HISTORY_LIMIT = 2000;

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
}

function keyOf(o: KubeObject): string {
  return objectKey(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
}

/** RFC 3339 with second precision, as the API server writes timestamps. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Server-side conversions done on write: a Secret's stringData is merged into data (base64). */
export function serverDefaults(o: KubeObject): KubeObject {
  if (o.apiVersion === 'v1' && o.kind === 'Secret' && o.stringData && typeof o.stringData === 'object') {
    const data = { ...((o.data ?? {}) as Record<string, string>) };
    for (const [k, v] of Object.entries(o.stringData as Record<string, string>)) data[k] = Buffer.from(String(v)).toString('base64');
    const { stringData: _s, ...rest } = o;
    return { ...rest, data } as KubeObject;
  }
  return o;
}

/**
 * Stored objects are immutable (deep-frozen) and handed out without copies; every write stores a new
 * object. Readers that want to change something build a new object.
 */
export function deepFreeze<T>(o: T): T {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o)) return o;
  for (const v of Object.values(o as object)) deepFreeze(v);
  return Object.freeze(o);
}

function specOf(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}

export interface StoreSnapshot {
  resourceVersion: number;
  objects: KubeObject[];
  createdMs: Record<string, number>;
  extra: Record<string, unknown>;
}

export class ClusterStore extends EventEmitter {
  #objects = new ObjectIndex();
  #rv = 0;
  /** Watch history by resource type; every event of the type after `#horizon` (or `#startRv`) is in it. */
  #history = new Map<string, WatchEvent[]>();
  #horizon = new Map<string, number>();
  /** The history starts here (a loaded state file has none before its resourceVersion). */
  #startRv = 0;
  /** Creation time in ms by uid (creationTimestamp has only second precision). */
  #createdMs = new Map<string, number>();
  #now: () => number;
  #stateFile: string | undefined;
  #saveTimer: NodeJS.Timeout | undefined;
  /** Other components' persisted state (e.g. the sealing keys), saved with the objects. */
  extra: Record<string, unknown> = {};

  constructor(options: { now?: () => number; stateFile?: string } = {}) {
    super();
    this.setMaxListeners(0);
    this.#now = options.now ?? Date.now;
    this.#stateFile = options.stateFile;
    if (this.#stateFile && existsSync(this.#stateFile)) this.load(JSON.parse(readFileSync(this.#stateFile, 'utf8')) as StoreSnapshot);
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#objects.get(objectKey(apiVersion, kind, namespace, name));
  }

  /** Lists objects of a kind, optionally in one namespace and filtered by a labelSelector string. */
  list(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}): KubeObject[] {
    const matches = parseLabelSelector(options.labelSelector);
    const fields = (options.fieldSelector ?? '')
      .split(',')
      .filter(Boolean)
      .map((f) => f.split(/!?=+/) as [string, string]);
    const out: KubeObject[] = [];
    const candidates = options.namespace !== undefined ? this.#objects.inNamespace(options.namespace) : this.#objects.ofKind(apiVersion, kind);
    for (const o of candidates) {
      if (o.apiVersion !== apiVersion || o.kind !== kind) continue;
      if (options.namespace !== undefined && o.metadata.namespace !== options.namespace) continue;
      if (!matches(o.metadata.labels)) continue;
      if (fields.some(([f, v]) => (f === 'metadata.name' ? o.metadata.name : f === 'metadata.namespace' ? o.metadata.namespace : undefined) !== v)) continue;
      out.push(o);
    }
    const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  /** Every object in a namespace (namespaced kinds only). */
  listNamespace(namespace: string): KubeObject[] {
    return [...this.#objects.inNamespace(namespace)];
  }

  /** The stored objects themselves, without copies: read them, never change them. */
  scan(): Iterable<Readonly<KubeObject>> {
    return this.#objects.values();
  }

  all(): KubeObject[] {
    return [...this.#objects.values()];
  }

  createdMs(o: KubeObject): number {
    return this.#createdMs.get(o.metadata.uid ?? '') ?? Date.parse(o.metadata.creationTimestamp ?? '') ?? this.#now();
  }

  #bump(): string {
    this.#rv += 1;
    return String(this.#rv);
  }

  #emit(type: WatchEventType, o: KubeObject, previous?: KubeObject): void {
    const ev: WatchEvent = { type, object: o, resourceVersion: this.#rv, ...(previous ? { previous } : {}) };
    const key = kindKey(o.apiVersion, o.kind);
    let h = this.#history.get(key);
    if (!h) this.#history.set(key, (h = []));
    h.push(ev);
    if (h.length > HISTORY_LIMIT) {
      const dropped = h.splice(0, h.length - HISTORY_LIMIT);
      this.#horizon.set(key, (dropped.at(-1) as WatchEvent).resourceVersion);
    }
    this.emit('event', ev);
    this.#scheduleSave();
  }

  /**
   * Events of one resource type after a resourceVersion, or undefined when that is older than the
   * history kept for the type (410 Gone). A resourceVersion above the current one is the caller's to
   * refuse (the API server's "Too large resource version").
   */
  eventsSince(resourceVersion: number, of?: { apiVersion: string; kind: string }): WatchEvent[] | undefined {
    if (resourceVersion >= this.#rv) return [];
    const keys = of ? [kindKey(of.apiVersion, of.kind)] : [...new Set([...this.#history.keys(), ...this.#horizon.keys()])];
    const out: WatchEvent[] = [];
    for (const key of keys) {
      if (resourceVersion < Math.max(this.#startRv, this.#horizon.get(key) ?? 0)) return undefined;
      for (const e of this.#history.get(key) ?? []) if (e.resourceVersion > resourceVersion) out.push(e);
    }
    if (!of && resourceVersion < this.#startRv) return undefined;
    return out.sort((a, b) => a.resourceVersion - b.resourceVersion);
  }

  /** Creates an object; 409 AlreadyExists if it exists. */
  create(input: KubeObject): KubeObject {
    const key = keyOf(input);
    if (this.#objects.has(key)) {
      throw new StoreError(409, 'AlreadyExists', `${resourceName(input)} ${JSON.stringify(input.metadata.name)} already exists`);
    }
    const now = this.#now();
    const o = serverDefaults(structuredClone(input));
    o.metadata = {
      ...o.metadata,
      uid: randomUUID(),
      resourceVersion: this.#bump(),
      generation: 1,
      creationTimestamp: kubeTime(now),
    };
    delete o.metadata.deletionTimestamp;
    this.#createdMs.set(o.metadata.uid as string, now);
    deepFreeze(o);
    this.#objects.set(key, o);
    this.#emit('ADDED', o);
    return o;
  }

  /**
   * Replaces an object (creating it if absent). Server-owned metadata is kept; generation bumps when
   * anything but metadata/status changed. Returns the stored object.
   */
  put(input: KubeObject): KubeObject {
    const key = keyOf(input);
    const current = this.#objects.get(key);
    if (!current) return this.create(input);
    const o = serverDefaults(structuredClone(input));
    const changedSpec = specOf(o) !== specOf(current);
    o.metadata = {
      ...o.metadata,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      generation: (current.metadata.generation ?? 1) + (changedSpec ? 1 : 0),
      resourceVersion: current.metadata.resourceVersion,
    };
    if (current.metadata.deletionTimestamp) o.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    else delete o.metadata.deletionTimestamp;
    if (o.status === undefined && current.status !== undefined) o.status = current.status;
    if (JSON.stringify(o) === JSON.stringify(current)) return current;
    o.metadata.resourceVersion = this.#bump();
    deepFreeze(o);
    this.#objects.set(key, o);
    this.#emit('MODIFIED', o, current);
    if (o.metadata.deletionTimestamp && !(o.metadata.finalizers ?? []).length) this.#remove(key);
    return o;
  }

  /** Writes only the status of an existing object (the /status subresource). No-op if unchanged. */
  setStatus(o: KubeObject, status: unknown): KubeObject | undefined {
    const key = keyOf(o);
    const current = this.#objects.get(key);
    if (!current) return undefined;
    if (JSON.stringify(current.status) === JSON.stringify(status)) return current;
    const next = deepFreeze({ ...current, status: structuredClone(status), metadata: { ...current.metadata, resourceVersion: this.#bump() } });
    this.#objects.set(key, next);
    this.#emit('MODIFIED', next, current);
    return next;
  }

  /** Changes metadata only (labels, annotations, finalizers) without bumping generation. */
  patchMetadata(o: KubeObject, change: (m: ObjectMeta) => void): KubeObject | undefined {
    const key = keyOf(o);
    const current = this.#objects.get(key);
    if (!current) return undefined;
    const next = { ...current, metadata: structuredClone(current.metadata) };
    change(next.metadata);
    if (JSON.stringify(next.metadata) === JSON.stringify(current.metadata)) return current;
    next.metadata.resourceVersion = this.#bump();
    deepFreeze(next);
    this.#objects.set(key, next);
    this.#emit('MODIFIED', next, current);
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length) this.#remove(key);
    return next;
  }

  /**
   * Deletes an object the API server's way: with finalizers it only gets a deletionTimestamp (and stays
   * until they are removed); without, it is gone. Returns the object as it was (or undefined).
   */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objectKey(apiVersion, kind, namespace, name);
    const current = this.#objects.get(key);
    if (!current) return undefined;
    const finalizers = current.metadata.finalizers ?? [];
    // Namespaces always go through Terminating (the namespace controller empties them first).
    if (finalizers.length || kind === 'Namespace') {
      if (current.metadata.deletionTimestamp) return current;
      const next: KubeObject = { ...current, metadata: { ...current.metadata, deletionTimestamp: kubeTime(this.#now()), deletionGracePeriodSeconds: 0, resourceVersion: this.#bump() } };
      if (kind === 'Namespace') next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      deepFreeze(next);
      this.#objects.set(key, next);
      this.#emit('MODIFIED', next, current);
      return next;
    }
    this.#remove(key);
    return current;
  }

  /** Removes an object now (finalizers done). */
  remove(o: KubeObject): void {
    this.#remove(keyOf(o));
  }

  #remove(key: string): void {
    const current = this.#objects.get(key);
    if (!current) return;
    this.#objects.delete(key);
    this.#createdMs.delete(current.metadata.uid ?? '');
    this.#bump();
    const gone = deepFreeze({ ...current, metadata: { ...current.metadata, resourceVersion: String(this.#rv) } });
    this.#emit('DELETED', gone);
    // Garbage collection: dependents owned by this object go too (background propagation).
    const uid = current.metadata.uid;
    for (const [k, o] of [...this.#objects.entries()]) {
      if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) {
        if ((o.metadata.finalizers ?? []).length) this.delete(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
        else this.#remove(k);
      }
    }
  }

  /** Forgets everything (used by the sim's reset). */
  clear(): void {
    for (const key of [...this.#objects.keys()]) {
      const o = this.#objects.get(key);
      this.#objects.delete(key);
      if (o) {
        this.#bump();
        this.#emit('DELETED', o);
      }
    }
    this.#createdMs.clear();
    this.extra = {};
  }

  snapshot(): StoreSnapshot {
    return {
      resourceVersion: this.#rv,
      objects: [...this.#objects.values()],
      createdMs: Object.fromEntries(this.#createdMs),
      extra: this.extra,
    };
  }

  load(s: StoreSnapshot): void {
    this.#rv = s.resourceVersion;
    this.#objects = new ObjectIndex();
    for (const o of s.objects) this.#objects.set(keyOf(o), deepFreeze(o));
    this.#createdMs = new Map(Object.entries(s.createdMs ?? {}));
    this.extra = s.extra ?? {};
    this.#history = new Map();
    this.#horizon = new Map();
    this.#startRv = s.resourceVersion;
  }

  #scheduleSave(): void {
    if (!this.#stateFile || this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.save();
    }, 200);
    this.#saveTimer.unref();
  }

  /** Writes the state file now (atomically). */
  save(): void {
    if (!this.#stateFile) return;
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    mkdirSync(dirname(this.#stateFile), { recursive: true });
    const tmp = `${this.#stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot()), { mode: 0o600 });
    renameSync(tmp, this.#stateFile);
  }
}

/** `deployments.apps`, `pods`, `applications.argoproj.io`: how the API server names a resource. */
export function resourceName(o: { apiVersion: string; kind: string }): string {
  const info = kindInfo(o.apiVersion, o.kind);
  if (!info) return o.kind.toLowerCase();
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}
