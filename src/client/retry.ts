/**
 * When to try a call again and how long to wait: a bounded number of retries on 429 and 503 (the server's
 * "too many requests" and "shed, try later") and on connection failures, each after the server's
 * `Retry-After` when it sends one, else an exponential backoff with full jitter (so clients shed together
 * do not come back together).
 */

export interface RetryOptions {
  /** Retries after the first try (0: never retry). */
  retries: number;
  /** The first backoff's ceiling; each retry doubles it. */
  baseDelayMs: number;
  /** No wait is longer than this, Retry-After included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 3, baseDelayMs: 50, maxDelayMs: 2000 };

/** Statuses worth another try: the request was refused before any work, and may be accepted later. */
export const RETRY_STATUS: ReadonlySet<number> = new Set([429, 503]);

/**
 * Milliseconds to wait before retry number `attempt` (0 for the first retry). `retryAfter` is the
 * header's value: seconds, or an HTTP date.
 *
 * @example
 *   retryDelay(0, '1', DEFAULT_RETRY)       // 1000
 *   retryDelay(2, undefined, DEFAULT_RETRY) // a random wait in [0, 200)
 */
export function retryDelay(attempt: number, retryAfter: string | undefined, opts: RetryOptions, random: () => number = Math.random, now = Date.now()): number {
  if (retryAfter !== undefined && retryAfter !== '') {
    const seconds = /^\d+(\.\d+)?$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(seconds)) return Math.min(Math.max(seconds, 0), opts.maxDelayMs);
  }
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
