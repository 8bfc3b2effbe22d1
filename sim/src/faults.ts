/**
 * Faults the sim can be told to inject (control endpoint `POST /sim/v1/faults`, or `sim.faults` in
 * process). Each shows up where it would on a cluster:
 * - `crashLoop`: containers of pods in `namespace` (optionally only `container`) exit with code 1 →
 *   `CrashLoopBackOff`, growing `restartCount`, Deployment never available → Progressing, then Degraded
 *   after its progress deadline.
 * - `imagePullFailure`: `ErrImagePull` then `ImagePullBackOff`, pod Pending; same health path.
 * - `syncFailure`: sync operations of `application` fail with `message`.
 * - `apiUnavailable`: the API answers 503 ServiceUnavailable.
 * - `slow`: every API response and every manifest render waits `delayMs`.
 * A fault lasts until removed, or for `durationMs` when given.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const faultInputSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('crashLoop'),
    /** Namespace whose pods crash (e.g. store-<id>). */
    namespace: z.string().min(1),
    /** Only this container; all when absent. */
    container: z.string().optional(),
    durationMs: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('imagePullFailure'),
    namespace: z.string().min(1),
    container: z.string().optional(),
    durationMs: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('syncFailure'),
    /** Application name (in the Argo CD namespace). */
    application: z.string().min(1),
    message: z.string().optional(),
    durationMs: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('apiUnavailable'),
    durationMs: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('slow'),
    delayMs: z.number().int().nonnegative(),
    durationMs: z.number().int().positive().optional(),
  }),
]);

export type FaultInput = z.infer<typeof faultInputSchema>;
export type Fault = FaultInput & { id: string; createdAt: string; expiresAt?: string };

export const DEFAULT_SYNC_FAILURE_MESSAGE =
  'one or more objects failed to apply, reason: Internal error occurred: failed calling webhook: context deadline exceeded';

export class Faults {
  #faults: Fault[] = [];
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  add(input: FaultInput): Fault {
    const parsed = faultInputSchema.parse(input);
    const now = this.#now();
    const fault: Fault = {
      ...parsed,
      id: randomUUID(),
      createdAt: new Date(now).toISOString(),
      ...(parsed.durationMs ? { expiresAt: new Date(now + parsed.durationMs).toISOString() } : {}),
    };
    this.#faults.push(fault);
    return fault;
  }

  remove(id: string): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter((f) => f.id !== id);
    return this.#faults.length !== before;
  }

  clear(): void {
    this.#faults = [];
  }

  list(): Fault[] {
    const now = this.#now();
    this.#faults = this.#faults.filter((f) => !f.expiresAt || Date.parse(f.expiresAt) > now);
    return [...this.#faults];
  }

  #find<T extends Fault['type']>(type: T, pred: (f: Extract<Fault, { type: T }>) => boolean = () => true): Extract<Fault, { type: T }> | undefined {
    return this.list().find((f): f is Extract<Fault, { type: T }> => f.type === type && pred(f as Extract<Fault, { type: T }>));
  }

  crashLoop(namespace: string | undefined, container: string): boolean {
    return !!this.#find('crashLoop', (f) => f.namespace === namespace && (!f.container || f.container === container));
  }

  imagePullFailure(namespace: string | undefined, container: string): boolean {
    return !!this.#find('imagePullFailure', (f) => f.namespace === namespace && (!f.container || f.container === container));
  }

  syncFailure(application: string): string | undefined {
    const f = this.#find('syncFailure', (x) => x.application === application);
    return f ? (f.message ?? DEFAULT_SYNC_FAILURE_MESSAGE) : undefined;
  }

  apiUnavailable(): boolean {
    return !!this.#find('apiUnavailable');
  }

  delayMs(): number {
    return this.list().reduce((max, f) => (f.type === 'slow' ? Math.max(max, f.delayMs) : max), 0);
  }
}
