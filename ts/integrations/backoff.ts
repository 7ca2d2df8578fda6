// How long to wait before retrying a failed action.

export interface RetryPolicy {
  /** Tries in all, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };

/**
 * The delay before retry number `retry` (1 after the first failure): baseDelayMs doubled at each
 * retry, capped at maxDelayMs, less a random part of up to half, so that actions that failed
 * together (the SMTP server was down) do not all retry at the same instant.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
