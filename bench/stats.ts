/** Order statistics for the benches: the figures they print are medians and percentiles of rounds. */

/** The p-th percentile (0-100) of `xs` (the nearest rank). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** The median of the figures that are numbers (a failed run gives NaN), the upper one of an even count. */
export function median(xs: number[]): number {
  const ok = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return ok[Math.floor(ok.length / 2)] ?? NaN;
}
