/**
 * Per-feature reference statistics of the training data, stored with the model so a later drift
 * check can compare what the service receives with what the model learnt from.
 */
import { BentoError } from '../errors.js';
import { permutation } from '../forest/random.js';

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
  /** The values drift monitoring compares traffic with: every one up to SAMPLE_CAP rows, else a seeded sample. */
  sample: number[];
}

/** What a model stores of its predictions on the validation split, for prediction drift. */
export interface PredictionReference {
  rows: number;
  /** The predictions (every one up to SAMPLE_CAP, else a seeded sample). */
  sample: number[];
  /** Pearson correlation of each feature with the prediction. */
  correlations: Record<string, number>;
}

/** Most reference values kept per feature: beyond 1000 rows drift uses Wasserstein, which a sample estimates well. */
export const SAMPLE_CAP = 2000;
/** Seed of the reference samples, so a retrained model stores the same sample of the same data. */
export const SAMPLE_SEED = 42;

/** Ascending row indices to keep: all of them up to `cap`, else `cap` drawn without replacement (seeded). */
export function sampleRows(rows: number, cap = SAMPLE_CAP, seed = SAMPLE_SEED): Int32Array {
  if (rows <= cap) return Int32Array.from({ length: rows }, (_, i) => i);
  return permutation(rows, seed).subarray(0, cap).sort();
}

const BINS = 10;

/** A quantile of ascending-sorted values by linear interpolation between the closest ranks. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Statistics of one column of values (at least one); `keep` picks the sampled rows (default: sampleRows). */
export function featureStats(values: ArrayLike<number>, keep: ArrayLike<number> = sampleRows(values.length)): FeatureStats {
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
    sample: Array.from(keep, (i) => values[i]!),
  };
}

/** Statistics for every column of a row-major matrix, keyed by the given column names. */
export function referenceStats(x: ArrayLike<number>, rows: number, names: readonly string[]): Record<string, FeatureStats> {
  const out: Record<string, FeatureStats> = {};
  const nf = names.length;
  // the same rows for every feature, so the sample keeps whole records
  const keep = sampleRows(rows);
  names.forEach((name, j) => {
    out[name] = featureStats(column(x, rows, nf, j), keep);
  });
  return out;
}

function column(x: ArrayLike<number>, rows: number, nf: number, j: number): Float64Array {
  const col = new Float64Array(rows);
  for (let i = 0; i < rows; i++) col[i] = x[i * nf + j]!;
  return col;
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]! / n;
    my += y[i]! / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  // undefined for a constant column: stored as 0 (YAML has no NaN that every reader takes)
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/**
 * The predictions on the validation split (`x` row-major, `rows` × names) and each feature's correlation with them.
 *
 * @example
 *   predictionReference(validation.inputs, validation.rows, features, validation.predictions)
 */
export function predictionReference(x: ArrayLike<number>, rows: number, names: readonly string[], predictions: ArrayLike<number>): PredictionReference {
  const keep = sampleRows(rows);
  const correlations: Record<string, number> = {};
  names.forEach((name, j) => {
    correlations[name] = pearson(column(x, rows, names.length, j), predictions);
  });
  return { rows, sample: Array.from(keep, (i) => predictions[i]!), correlations };
}
