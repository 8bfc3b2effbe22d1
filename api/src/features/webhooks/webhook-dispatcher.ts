import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { WebhookAddressRefused, type WebhookAddressPolicy } from './webhook-address-policy.ts';
import type { WebhookSender } from './webhook-sender.ts';
import type { AttemptResult, ClaimedDelivery, WebhookRepository } from './webhook-repository.ts';
import { webhookHeaders } from './webhook-signature.ts';
import { secretContext } from './webhook-service.ts';

export type DeliverySettings = {
  /** Deadline of one HTTP attempt. */
  timeoutMs: number;
  /** First retry after this; doubled after each failure, capped at `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Given up (failed) after this many attempts, or once the event is this old. */
  maxAttempts: number;
  maxAgeMs: number;
  /** How often an idle dispatcher looks for due deliveries. */
  pollIntervalMs: number;
  /** Deliveries claimed (and sent in parallel) at once. */
  batchSize: number;
  /** Finished deliveries (and their attempts) are kept in the log this long. */
  logRetentionMs: number;
};

/** How often a dispatcher forgets old finished deliveries. */
const PRUNE_EVERY_MS = 3_600_000;

/** The wait before attempt `attempt + 1`, after `attempt` failed ones: base × 2^(attempt−1), capped. */
export function retryDelayMs(attempt: number, s: Pick<DeliverySettings, 'retryBaseMs' | 'retryMaxMs'>): number {
  return Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Sends the outbox: claims due deliveries (SKIP LOCKED, so any number of workers share them and none is
 * sent twice at once), sends each with no database connection held, and records the attempt. A failure
 * is retried with exponential back-off until `maxAttempts` or `maxAgeMs`, then marked failed; an earlier
 * delivery of the same endpoint and store blocks later ones until it is delivered or given up.
 */
export class WebhookDispatcher {
  private readonly repo: WebhookRepository;
  private readonly secrets: SecretBox;
  private readonly policy: WebhookAddressPolicy;
  private readonly send: WebhookSender;
  private readonly settings: DeliverySettings;
  private readonly logger: Logger;
  private readonly outcomes: Counter<'outcome'>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private prunedAt = 0;

  constructor(deps: {
    repo: WebhookRepository;
    secrets: SecretBox;
    policy: WebhookAddressPolicy;
    send: WebhookSender;
    settings: DeliverySettings;
    logger: Logger;
    registry: Registry;
  }) {
    this.repo = deps.repo;
    this.secrets = deps.secrets;
    this.policy = deps.policy;
    this.send = deps.send;
    this.settings = deps.settings;
    this.logger = deps.logger.child({ component: 'webhooks' });
    const existing = deps.registry.getSingleMetric('store_platform_webhook_deliveries_total') as Counter<'outcome'> | undefined;
    this.outcomes =
      existing ??
      new Counter({
        name: 'store_platform_webhook_deliveries_total',
        help: 'Webhook delivery attempts by outcome (delivered, retrying, failed)',
        labelNames: ['outcome'],
        registers: [deps.registry],
      });
  }

  /** One pass: claims and sends one batch; the number of deliveries attempted. Now and then, forgets old ones. */
  async runOnce(): Promise<number> {
    if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      const pruned = await this.repo.prune(this.settings.logRetentionMs);
      if (pruned) this.logger.info({ pruned }, 'forgot finished webhook deliveries past the log retention');
    }
    const claimed = await this.repo.claim(this.settings.batchSize, this.settings.timeoutMs * 2 + 5_000);
    await Promise.all(claimed.map((d) => this.deliver(d)));
    return claimed.length;
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const started = performance.now();
    let result: { statusCode: number | null; error: string | null; durationMs: number };
    try {
      const url = new URL(d.url);
      const address = await this.policy.check(url);
      const secret = this.secrets.open(d.secret_enc, secretContext(d.endpoint_id));
      const headers = webhookHeaders(secret, `msg_${d.event_id}`, Math.floor(Date.now() / 1000), d.body);
      result = await this.send(url, address, headers, d.body, this.settings.timeoutMs);
    } catch (err) {
      const refused = err instanceof WebhookAddressRefused;
      result = {
        statusCode: null,
        error: refused ? `Refused: ${err.message}` : `Could not deliver: ${(err as Error).message}`,
        durationMs: performance.now() - started,
      };
    }
    const ok = result.error === null;
    const age = Date.now() - new Date(d.created_at).getTime();
    const giveUp = !ok && (d.attempt >= this.settings.maxAttempts || age >= this.settings.maxAgeMs);
    const outcome: AttemptResult['outcome'] = ok ? 'delivered' : giveUp ? 'failed' : 'retrying';
    const recorded = await this.repo.complete(d, {
      outcome,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error,
      ...(outcome === 'retrying' ? { nextAttemptAt: new Date(Date.now() + retryDelayMs(d.attempt, this.settings)) } : {}),
    });
    if (!recorded) return; // the endpoint was deleted meanwhile, or the claim expired and another worker has it
    this.outcomes.inc({ outcome });
    const log = { deliveryId: d.id, endpointId: d.endpoint_id, type: d.type, attempt: d.attempt, statusCode: result.statusCode };
    if (outcome === 'failed') this.logger.warn({ ...log, err: result.error }, 'webhook delivery given up');
    else if (outcome === 'retrying') this.logger.info({ ...log, err: result.error }, 'webhook delivery failed; will retry');
    else this.logger.debug(log, 'webhook delivered');
  }

  /** Runs passes until stopped: at once again after a full batch, else after the poll interval. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .then((n) => n)
        .catch((err: Error) => {
          this.logger.warn({ err: err.message }, 'webhook dispatch pass failed; trying again at the next interval');
          return 0;
        })
        .then((n) => {
          if (!this.stopped) this.timer = setTimeout(loop, n >= this.settings.batchSize ? 0 : this.settings.pollIntervalMs);
        });
    };
    loop();
  }

  /** Stops after the pass in flight (its attempts are recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
