import type { CreateRateLimit, RateLimitDecision } from '../../../src/rate-limit/create-rate-limit.ts';

/** N creates per user until `reset()`, in memory (the window itself is PostgreSQL's, tested there). */
export class FakeCreateRateLimit implements CreateRateLimit {
  readonly used = new Map<string, number>();
  readonly perWindow: number;

  constructor(perWindow = 1000) {
    this.perWindow = perWindow;
  }
  async take(userId: string): Promise<RateLimitDecision> {
    const n = (this.used.get(userId) ?? 0) + 1;
    const allowed = n <= this.perWindow;
    if (allowed) this.used.set(userId, n);
    return { allowed, limit: this.perWindow, remaining: Math.max(0, this.perWindow - n), windowS: 60, resetInS: 42 };
  }
  async giveBack(userId: string) {
    this.used.set(userId, Math.max(0, (this.used.get(userId) ?? 0) - 1));
  }
}
