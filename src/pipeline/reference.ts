/**
 * Per-feature reference statistics of the training data, stored with the model so a later drift
 * check can compare what the service receives with what the model learnt from.
 */
import { BentoError } from '../errors.js';

export interface Histogram {
  /** 11 bin edges from min to max (equal widths); the last bin includes max, like numpy.histogram. */
  edges: number[];
  /** Rows per bin (10 bins). */
  counts: number[];
}

export interface FeatureStats {
  count: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator, like pandas); 0 for a single row. */
  std: number;
  min: number;
  max: number;
  /** Quantiles with linear interpolation (numpy's default method). */
  quantiles: { p5: number; p25: number; p50: number; p75: number; p95: number };
  histogram: Histogram;
}

const BINS = 10;

/** A quantile of ascending-sorted values by linear interpolation between the closest ranks. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Statistics of one column of values (at least one). */
export function featureStats(values: ArrayLike<number>): FeatureStats {
  const n = values.length;
  if (n === 0) throw new BentoError('BAD_DATA', 'no values to describe');
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sorted[i]! - mean) ** 2;
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  // numpy widens a zero range to ±0.5 so the histogram still has width
  const lo = min === max ? min - 0.5 : min;
  const hi = min === max ? max + 0.5 : max;
  const width = (hi - lo) / BINS;
  const edges = Array.from({ length: BINS + 1 }, (_, i) => (i === BINS ? hi : lo + i * width));
  const counts = new Array<number>(BINS).fill(0);
  for (let i = 0; i < n; i++) {
    const b = Math.min(BINS - 1, Math.floor((sorted[i]! - lo) / width));
    counts[b]! += 1;
  }
  return {
    count: n,
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    min,
    max,
    quantiles: {
      p5: quantile(sorted, 0.05),
      p25: quantile(sorted, 0.25),
      p50: quantile(sorted, 0.5),
      p75: quantile(sorted, 0.75),
      p95: quantile(sorted, 0.95),
    },
    histogram: { edges, counts },
  };
}

/** Statistics for every column of a row-major matrix, keyed by the given column names. */
export function referenceStats(x: ArrayLike<number>, rows: number, names: readonly string[]): Record<string, FeatureStats> {
  const out: Record<string, FeatureStats> = {};
  const nf = names.length;
  names.forEach((name, j) => {
    const col = new Float64Array(rows);
    for (let i = 0; i < rows; i++) col[i] = x[i * nf + j]!;
    out[name] = featureStats(col);
  });
  return out;
}
