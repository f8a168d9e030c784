/**
 * The time source the batcher uses, injectable so tests can drive it with a manual clock instead of
 * waiting on real timers.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
  /** Runs `fn` once the current I/O phase is over (setImmediate), so requests parsed together batch together. */
  defer(fn: () => void): void;
}

/** The real clock: performance.now, setTimeout, setImmediate. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  defer(fn) {
    setImmediate(fn);
  },
};
