import { backoffDelay } from './backoff-delay.ts';

type Options<T> = {
  /** Same-origin JSON endpoint of the dashboard (it calls the API with the session's token); a function when it follows the page's URL. */
  url: string | (() => string);
  /** The cadence unless `start` is given another (settled stores are polled more slowly). */
  intervalMs: number;
  maxIntervalMs: number;
  onData: (data: T) => void;
  /** The session ended (401): the page sends the user to sign in. */
  onSignedOut: () => void;
};

/**
 * Polls `url` while started: every `intervalMs` (or the interval `start` was given); after failures it retries after 1, 2, 4 s, then every few seconds (backoff-delay.ts), counting down each second, and
 * says so in `reconnecting`, until a poll succeeds or `retryNow()` is pressed. `start()` returns the stop
 * function, so a component's `$effect` starts it and its cleanup stops it (leaving the page, or nothing
 * left to watch): after stop no request is sent, and an answer in flight is dropped.
 */
export class LivePoller<T> {
  /** A poll failed; the next attempt is scheduled with back-off. */
  reconnecting = $state(false);
  /** Seconds until the next attempt while reconnecting (for the notice). */
  nextAttemptInS = $state(0);
  /** A poll is on its way (the retry button says so). */
  busy = $state(false);

  readonly #opts: Options<T>;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #controller: AbortController | undefined;
  #running = false;
  #intervalMs: number;
  /** Ticks `nextAttemptInS` down once a second while reconnecting. */
  #countdown: ReturnType<typeof setInterval> | undefined;

  constructor(opts: Options<T>) {
    this.#opts = opts;
    this.#intervalMs = opts.intervalMs;
  }

  start(intervalMs: number = this.#opts.intervalMs): () => void {
    this.#running = true;
    this.#failures = 0;
    this.#intervalMs = intervalMs;
    this.#schedule(intervalMs);
    return () => this.stop();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    clearInterval(this.#countdown);
    this.#controller?.abort();
    this.#controller = undefined;
    this.reconnecting = false;
    this.busy = false;
  }

  /** Polls at once (the notice's retry button). */
  retryNow(): void {
    if (!this.#running || this.busy) return;
    clearTimeout(this.#timer);
    void this.#tick();
  }

  /** `countdown`: a reconnect attempt, counted down in `nextAttemptInS` (a parameter, not a read of `reconnecting`: `start` runs inside the page's effect, which must not depend on this state). */
  #schedule(delayMs: number, countdown = false): void {
    clearTimeout(this.#timer);
    clearInterval(this.#countdown);
    const due = Date.now() + delayMs;
    this.nextAttemptInS = Math.ceil(delayMs / 1000);
    if (countdown) {
      this.#countdown = setInterval(() => {
        this.nextAttemptInS = Math.max(0, Math.ceil((due - Date.now()) / 1000));
      }, 1000);
    }
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
  }

  async #tick(): Promise<void> {
    if (!this.#running) return;
    clearInterval(this.#countdown);
    const controller = new AbortController();
    this.#controller = controller;
    this.busy = true;
    try {
      const url = typeof this.#opts.url === 'function' ? this.#opts.url() : this.#opts.url;
      const res = await fetch(url, { headers: { accept: 'application/json' }, signal: controller.signal, cache: 'no-store' });
      if (controller.signal.aborted || !this.#running) return;
      if (res.status === 401) {
        this.stop();
        this.#opts.onSignedOut();
        return;
      }
      if (!res.ok) throw new Error(`poll answered ${res.status}`);
      const data = (await res.json()) as T;
      if (controller.signal.aborted || !this.#running) return;
      this.#failures = 0;
      this.reconnecting = false;
      this.busy = false;
      this.#opts.onData(data);
      if (this.#running) this.#schedule(this.#intervalMs);
    } catch {
      if (controller.signal.aborted || !this.#running) return;
      this.#failures += 1;
      this.reconnecting = true;
      this.busy = false;
      this.#schedule(backoffDelay(this.#failures, this.#intervalMs, this.#opts.maxIntervalMs, Math.random()), true);
    }
  }
}
