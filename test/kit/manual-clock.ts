/** A clock the test drives by hand: time moves only on `advance`, deferred work runs only on `flush`. */
import type { Clock } from '../../src/runtime/batching/clock.js';

export class ManualClock implements Clock {
  t = 0;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  private deferred: Array<() => void> = [];

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Pending live timers. */
  get pendingTimers(): number {
    return this.timers.filter((x) => x.live).length;
  }

  /** Runs deferred work and settles promises until nothing is left to do at the current time. */
  async flush(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      await new Promise((r) => setImmediate(r));
      const work = this.deferred.splice(0);
      if (work.length === 0) {
        await new Promise((r) => setImmediate(r));
        if (this.deferred.length === 0) return;
        continue;
      }
      for (const fn of work) fn();
    }
    throw new Error('ManualClock.flush: deferred work never settles');
  }

  /** Moves time forward by `ms`, firing due timers in order, flushing after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await this.flush();
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      due.live = false;
      due.fn();
      await this.flush();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
    await this.flush();
  }
}
