import type { OutcomeCode } from "../domain/codes.js";
/**
 * A failure that may go away if the same call is made again later: throttling, a conflicting
 * operation in progress, an eTag race, a 5xx, a timeout. Adapters throw it; activities let it
 * escape so that Durable Functions retries them. Failures a retry cannot fix are never thrown
 * as this: ports return them as typed results.
 */
export class TransientError extends Error {
  constructor(
    readonly code: OutcomeCode,
    message: string,
    /** The server's hint (Retry-After), when it gave one. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TransientError";
  }
}

/**
 * No way of signing in worked (no Azure CLI sign-in, the device code flow failed or was not finished).
 * The message is one sentence saying what to do; it never carries a token. The cause, kept for
 * BREAKGLASS_DEBUG, is the credential's own error.
 */
export class SignInUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SignInUnavailable";
  }
}
