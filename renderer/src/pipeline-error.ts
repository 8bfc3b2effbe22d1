/**
 * The base of every error a pipeline step can raise (Git, sealing, the cluster), saying whether running
 * the step again may help. `transient`: a network blip, a moved branch, a cluster restarting — the job is
 * retried with backoff. Not transient: configuration or input that a retry cannot fix (no sealing
 * controller, a certificate that is not RSA, a bad kubeconfig) — the store is marked Error at once with
 * the reason, instead of after three retries that could not succeed.
 */
export class PipelineError extends Error {
  readonly transient: boolean;

  constructor(message: string, options: { transient: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options.transient;
  }
}
