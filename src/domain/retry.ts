// How long to wait before trying again to lock a cluster: exponential from 15 seconds, capped at
// 5 minutes, and never sooner than the server asked (Retry-After), which is capped at 15 minutes.

export const LOCKDOWN_FIRST_DELAY_MS = 15_000;
export const LOCKDOWN_MAX_DELAY_MS = 5 * 60_000;
const MAX_HINT_MS = 15 * 60_000;

/** `attempt` counts failures so far, from 1. */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  firstMs = LOCKDOWN_FIRST_DELAY_MS,
  maxMs = LOCKDOWN_MAX_DELAY_MS,
): number {
  const backoff = Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(backoff, Math.min(retryAfterMs ?? 0, MAX_HINT_MS));
}
