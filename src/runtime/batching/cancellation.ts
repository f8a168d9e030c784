/**
 * A cheap cancellation handle for one request (an AbortController costs more than a whole batched
 * prediction): the traffic layer cancels it on timeout; the batcher listens to drop rows still waiting.
 */
export class Cancellation {
  cancelled = false;
  reason: unknown;
  private listener: ((reason: unknown) => void) | undefined;

  /** Sets the one listener (a request waits in one place at a time). */
  onCancel(fn: ((reason: unknown) => void) | undefined): void {
    this.listener = fn;
  }

  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.reason = reason;
    const fn = this.listener;
    this.listener = undefined;
    fn?.(reason);
  }
}
