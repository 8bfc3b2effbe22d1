import type { ArgoApplication } from './application-status.ts';
import { ClusterUnavailableError, STORE_ID_LABEL } from './cluster-client.ts';

/**
 * The store Applications as the status cycle sees them: kept in memory from one list and a watch, so a
 * cycle reads memory, not the API server, and learns which stores' Applications changed.
 */
export interface StoreApplications {
  /**
   * Resolves once the cache holds a complete list (the first list, or the relist after a drop). Rejects
   * with ClusterUnavailableError while the API server cannot be reached (the cache may be stale).
   */
  synced(): Promise<void>;
  /** The Application of a store, or undefined when it has none. */
  get(storeId: string): ArgoApplication | undefined;
  /** Every store id that has an Application. */
  storeIds(): IterableIterator<string>;
  /** Store ids whose Application appeared, changed or went away since the last call (then forgotten). */
  takeChanged(): Set<string>;
  /** What it cost: list calls, watch connections, events received, relists after 410/errors. */
  readonly stats: InformerStats;
  stop(): void;
}

export type InformerStats = { lists: number; watches: number; events: number; relists: number; bookmarks: number };

/** A watch event as the API server streams it (k8s.io/apimachinery pkg/watch). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** What the informer needs from the API server: list with a resourceVersion, watch from one. */
export interface ListWatchSource {
  list(): Promise<{ items: ArgoApplication[]; resourceVersion: string }>;
  /**
   * Opens a watch from `resourceVersion` (bookmarks asked for). Resolves once the stream is open (or
   * rejects when it cannot be opened); `onDone` is called once when it ends, with the error if any.
   */
  watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: Record<string, any>) => void,
    onDone: (err?: Error) => void,
  ): Promise<{ stop(): void }>;
}

export type InformerOptions = {
  /** First delay after a failure; doubles up to maxBackoffMs (with jitter). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  onError?: (err: Error, what: 'list' | 'watch') => void;
};

/**
 * Fields Argo CD rewrites on every refresh without anything having changed (argo-cd
 * controller/appcontroller.go: reconciledAt, and the deprecated observedAt): a change to them alone is
 * not a change of the Application. Everything else the status or metadata carries is.
 */
const REFRESH_ONLY_FIELDS = new Set(['reconciledAt', 'observedAt']);

/** What makes two versions of an Application the same to the status cycle. */
export function applicationFingerprint(app: ArgoApplication): string {
  const status = Object.fromEntries(Object.entries(app.status ?? {}).filter(([k]) => !REFRESH_ONLY_FIELDS.has(k)));
  return JSON.stringify([app.metadata.labels ?? {}, app.metadata.deletionTimestamp ?? null, status]);
}

/**
 * What the cache keeps of an Application: the fields ArgoApplication declares (what the platform reads),
 * not the per-resource lists (`status.resources`, `history`, a sync result's `resources`) that make a real
 * Application tens of kilobytes — at 10,000 stores that is the difference between a few and hundreds of
 * MiB. A field added to ArgoApplication for the mapping must be kept here too.
 */
export function trimApplication(o: Record<string, any>): ArgoApplication {
  const m = o.metadata ?? {};
  const st = o.status;
  const op = st?.operationState;
  const status: NonNullable<ArgoApplication['status']> | undefined = st
    ? {
        ...(st.sync ? { sync: { status: st.sync.status, revision: st.sync.revision } } : {}),
        ...(st.health ? { health: { status: st.health.status, message: st.health.message } } : {}),
        ...(op
          ? {
              operationState: {
                phase: op.phase,
                message: op.message,
                ...(op.syncResult ? { syncResult: { revision: op.syncResult.revision } } : {}),
                ...(op.operation?.sync ? { operation: { sync: { revision: op.operation.sync.revision } } } : {}),
              },
            }
          : {}),
        ...(st.conditions
          ? { conditions: (st.conditions as Array<{ type: string; message?: string }>).map((c) => ({ type: c.type, message: c.message })) }
          : {}),
        ...(st.reconciledAt ? { reconciledAt: st.reconciledAt } : {}),
      }
    : undefined;
  return {
    metadata: {
      name: m.name,
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    } as ArgoApplication['metadata'],
    ...(status ? { status: JSON.parse(JSON.stringify(status)) as typeof status } : {}),
  };
}

type Entry = { app: ArgoApplication; storeId: string; fingerprint: string };

/**
 * A reflector + store (client-go tools/cache) for the platform's Applications: list, then watch from the
 * list's resourceVersion with bookmarks; a watch that ends is reopened from the last resourceVersion
 * seen; "410 Gone" (too old) or any other ERROR event relists, and a relist compares with the cache so
 * nothing that changed while the watch was down is missed. Failures back off exponentially.
 */
export class ApplicationInformer implements StoreApplications {
  private readonly source: ListWatchSource;
  private readonly o: Required<Omit<InformerOptions, 'onError'>> & Pick<InformerOptions, 'onError'>;
  /** By Application name. */
  private readonly byName = new Map<string, Entry>();
  private readonly byStore = new Map<string, string>();
  private changed = new Set<string>();
  private resourceVersion: string | undefined;
  private state: 'idle' | 'starting' | 'synced' | 'failing' = 'idle';
  private lastError: Error | undefined;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private backoffMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private current: { stop(): void } | undefined;
  private stopped = false;
  private inFlight = false;
  readonly stats: InformerStats = { lists: 0, watches: 0, events: 0, relists: 0, bookmarks: 0 };

  constructor(source: ListWatchSource, options: InformerOptions = {}) {
    this.source = source;
    this.o = { initialBackoffMs: options.initialBackoffMs ?? 200, maxBackoffMs: options.maxBackoffMs ?? 30_000, onError: options.onError };
  }

  synced(): Promise<void> {
    if (this.stopped) return Promise.reject(new ClusterUnavailableError('the Application watch was stopped'));
    if (this.state === 'synced') return Promise.resolve();
    if (this.state === 'idle') this.state = 'starting';
    // Failing: the caller's rhythm (the status cycle) is a retry too, so an outage that ends is noticed
    // at the next cycle, not only after the back-off that grew meanwhile.
    const waiting = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.attempt();
    return waiting;
  }

  get(storeId: string): ArgoApplication | undefined {
    const name = this.byStore.get(storeId);
    return name === undefined ? undefined : this.byName.get(name)?.app;
  }

  storeIds(): IterableIterator<string> {
    return this.byStore.keys();
  }

  takeChanged(): Set<string> {
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.current?.stop();
    this.current = undefined;
    for (const w of this.waiters.splice(0)) w.reject(new ClusterUnavailableError('the Application watch was stopped'));
  }

  private unavailable(): ClusterUnavailableError {
    return this.lastError instanceof ClusterUnavailableError
      ? this.lastError
      : new ClusterUnavailableError(`cluster API unavailable: ${this.lastError?.message ?? 'the Application watch is not connected'}`);
  }

  private settle(ok: boolean): void {
    this.state = ok ? 'synced' : 'failing';
    for (const w of this.waiters.splice(0)) ok ? w.resolve() : w.reject(this.unavailable());
  }

  private fail(err: Error, what: 'list' | 'watch'): void {
    this.lastError = err;
    this.o.onError?.(err, what);
    this.settle(false);
    this.backoffMs = Math.min(this.o.maxBackoffMs, this.backoffMs ? this.backoffMs * 2 : this.o.initialBackoffMs);
    this.schedule(this.backoffMs * (0.8 + Math.random() * 0.4));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt();
    }, delayMs);
    this.timer.unref();
  }

  /** Starts a step unless one is under way or a watch is open. */
  private attempt(): void {
    if (this.inFlight || this.current || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight = true;
    void this.run().finally(() => {
      this.inFlight = false;
    });
  }

  /** One step: list when there is no usable resourceVersion, then watch from it. */
  private async run(): Promise<void> {
    if (this.stopped) return;
    if (this.resourceVersion === undefined) {
      try {
        this.stats.lists++;
        const list = await this.source.list();
        if (this.stopped) return;
        this.replace(list.items);
        this.resourceVersion = list.resourceVersion;
        this.settle(true);
      } catch (err) {
        this.fail(err as Error, 'list');
        return;
      }
    }
    const from = this.resourceVersion as string;
    const openedAt = Date.now();
    let ended = false;
    let relist = false;
    const onDone = (err?: Error) => {
      if (ended) return;
      ended = true;
      this.current = undefined;
      if (this.stopped) return;
      if (relist) {
        this.resourceVersion = undefined;
        this.stats.relists++;
        this.schedule(0);
      } else if (err && err.name !== 'AbortError' && err.name !== 'TimeoutError') this.fail(err, 'watch');
      // A watch that timed out or was closed by the server: reopen from where it was (at once, unless it
      // keeps ending as soon as it opens).
      else if (Date.now() - openedAt > 1000) this.schedule(0);
      else {
        this.backoffMs = Math.min(this.o.maxBackoffMs, this.backoffMs ? this.backoffMs * 2 : this.o.initialBackoffMs);
        this.schedule(this.backoffMs);
      }
    };
    try {
      this.stats.watches++;
      const w = await this.source.watch(
        from,
        (type, object) => {
          if (ended) return;
          this.stats.events++;
          if (type === 'ERROR') {
            // 410 Gone ("too old resource version") or any other error: list again (client-go reflector).
            relist = true;
            this.current?.stop();
            onDone();
            return;
          }
          const rv = object?.metadata?.resourceVersion as string | undefined;
          if (type === 'BOOKMARK') this.stats.bookmarks++;
          else if (type === 'DELETED') this.remove(object as ArgoApplication);
          else this.upsert(object as ArgoApplication);
          if (rv) this.resourceVersion = rv;
        },
        onDone,
      );
      if (ended) {
        w.stop();
        return;
      }
      this.current = w;
      this.backoffMs = 0;
      if (this.state !== 'synced') this.settle(true);
    } catch (err) {
      onDone(err as Error);
    }
  }

  private upsert(full: ArgoApplication): void {
    const app = trimApplication(full);
    const name = app.metadata.name;
    const storeId = app.metadata.labels?.[STORE_ID_LABEL];
    const old = this.byName.get(name);
    if (!storeId) {
      if (old) this.remove(app);
      return;
    }
    const fingerprint = applicationFingerprint(app);
    if (old && old.storeId !== storeId) {
      this.byStore.delete(old.storeId);
      this.changed.add(old.storeId);
    }
    this.byName.set(name, { app, storeId, fingerprint });
    this.byStore.set(storeId, name);
    if (!old || old.fingerprint !== fingerprint || old.storeId !== storeId) this.changed.add(storeId);
  }

  private remove(app: ArgoApplication): void {
    const old = this.byName.get(app.metadata.name);
    if (!old) return;
    this.byName.delete(app.metadata.name);
    if (this.byStore.get(old.storeId) === app.metadata.name) this.byStore.delete(old.storeId);
    this.changed.add(old.storeId);
  }

  /** A (re)list: the new set replaces the cache; what differs is marked changed. */
  private replace(items: ArgoApplication[]): void {
    const seen = new Set<string>();
    for (const a of items) {
      seen.add(a.metadata.name);
      this.upsert(a);
    }
    for (const [name, e] of [...this.byName]) if (!seen.has(name)) this.remove(e.app);
  }
}
