/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (silent in pipes and CI logs).
 */

export interface ProgressBar {
  /** Shows `done` of `total`; redraws at most every 50 ms, and always at the end. */
  update(done: number, total: number): void;
  /** Clears the line. */
  stop(): void;
}

export interface ProgressOptions {
  /** Where to draw; default process.stderr. Nothing is drawn unless `stream.isTTY`. */
  stream?: NodeJS.WriteStream;
  width?: number;
}

/**
 * @example
 *   const bar = progressBar('grid search');
 *   await trainAndSave({ onProgress: (done, total) => bar.update(done, total) });
 *   bar.stop();
 */
export function progressBar(label: string, opts: ProgressOptions = {}): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const width = opts.width ?? 30;
  const enabled = stream.isTTY === true;
  let last = 0;
  let drawn = false;
  return {
    update(done: number, total: number): void {
      if (!enabled) return;
      const now = Date.now();
      if (done < total && now - last < 50) return;
      last = now;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const full = Math.round(frac * width);
      stream.write(`\r${label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${done}/${total} ${Math.round(frac * 100)}%`);
      drawn = true;
    },
    stop(): void {
      if (enabled && drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
