/**
 * Temporary files and folders that must not outlive an interrupted command: while any is registered, SIGINT
 * and SIGTERM remove them (synchronously) before the process dies of the signal as it would have.
 * Errors are the callers' business (they remove their temporaries in `finally`); this covers Ctrl-C.
 */
import { rmSync } from 'node:fs';

const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  for (const s of SIGNALS) process.off(s, onSignal);
  // Other listeners (a server draining, a CLI forwarding to its child) decide for themselves.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Removes every registered temporary now (what a signal does). */
export function removeAll(): void {
  for (const p of live) rmSync(p, { recursive: true, force: true });
  live.clear();
}

/**
 * Registers a temporary path to remove if the process is interrupted; returns the function that
 * unregisters it (call it once the path is renamed into place or removed).
 *
 * @example
 *   const untrack = trackTemp(work);
 *   try { … } finally { await fs.rm(work, { recursive: true, force: true }); untrack(); }
 */
export function trackTemp(p: string): () => void {
  if (live.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  live.add(p);
  return () => {
    if (!live.delete(p) || live.size > 0) return;
    for (const s of SIGNALS) process.off(s, onSignal);
  };
}

/** How many temporaries are registered (for tests). */
export function trackedTemps(): number {
  return live.size;
}
