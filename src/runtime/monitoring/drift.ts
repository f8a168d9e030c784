/**
 * `computeDrift`: the whole drift and data-quality verdict of a current sample against a reference, as
 * Evidently's data-drift preset decides it — per feature the test (two-sample KS p-value while the reference
 * has ≤ 1000 rows, else normed Wasserstein distance), PSI, the drifted flag; the dataset's count and share
 * of drifted features; data quality per feature; prediction drift and feature–prediction correlations.
 * Pure: the server runs it on its window at scrape time, `bento drift report` on a CSV or a payload log.
 */
import { DEFAULT_MONITORING, type StatTest } from '../../sdk/settings.js';
import { finite, jensenShannonDrift, ksTwoSample, normedWasserstein, pearson, psi } from './stats.js';

/** A drift test by name: `ks` scores a p-value (drift below `p_threshold`), the others a distance (drift at or above `stat_threshold`). */
export { STAT_TESTS, type StatTest } from '../../sdk/settings.js';

export interface DriftSettings {
  /** `auto`: KS while the reference has ≤ `ks_max_reference_rows` rows, else normed Wasserstein. */
  stat_test: 'auto' | StatTest;
  /** Distance at or above which a feature drifted (wasserstein, jensenshannon, psi). */
  stat_threshold: number;
  /** p-value below which a feature drifted (ks). */
  p_threshold: number;
  /** Share of drifted features at or above which the dataset drifted. */
  drift_share: number;
}

/** Evidently's defaults, the monitoring project's settings. */
export const DEFAULT_DRIFT_SETTINGS: Readonly<DriftSettings> = Object.freeze({
  stat_test: DEFAULT_MONITORING.stat_test,
  stat_threshold: DEFAULT_MONITORING.stat_threshold,
  p_threshold: DEFAULT_MONITORING.p_threshold,
  drift_share: DEFAULT_MONITORING.drift_share,
});

/** The automatic choice switches from KS to Wasserstein past this many reference rows. */
export const KS_MAX_REFERENCE_ROWS = 1000;

export interface DriftReference {
  /** Rows the reference stands for (its samples may be a capped subset); decides the automatic test. */
  rows: number;
  /** Reference values per feature, in the model's column order. */
  features: Record<string, ArrayLike<number>>;
  /** The model's predictions on held-out data, and how many rows they stand for. */
  predictions?: { rows: number; values: ArrayLike<number> };
  /** Pearson correlation of each feature with the prediction on the reference. */
  correlations?: Record<string, number>;
}

export interface CurrentData {
  /** Current values per feature, every column as long as `predictions` (row i of each is one record). */
  features: Record<string, ArrayLike<number>>;
  predictions?: ArrayLike<number>;
}

export interface TestResult {
  stat_test: StatTest;
  /** The test's value: a p-value for ks, a distance for the others. */
  score: number;
  drifted: boolean;
  /** The bar the score was held against (p_threshold for ks, stat_threshold otherwise). */
  threshold: number;
  /** Population stability index on 30 shared bins. */
  psi: number;
  /** Finite values compared on each side. */
  reference_rows: number;
  current_rows: number;
}

export interface FeatureDrift extends TestResult {
  feature: string;
}

export interface QualityStats {
  /** Values in the window, missing or not. */
  count: number;
  /** NaN values (a missing value the preprocessing did not fill). */
  missing_count: number;
  /** +∞ / −∞ values. */
  infinite_count: number;
  /** Over the finite values (NaN when there are none). */
  min: number;
  max: number;
  mean: number;
  /** The most frequent finite value (the smallest on a tie). */
  most_common_value: number;
}

export interface DriftResult {
  /** Rows in the current sample. */
  current_rows: number;
  /** One entry per reference feature that has current values, in the reference's order. */
  features: FeatureDrift[];
  dataset: { number_of_features: number; drifted_features: number; drifted_share: number; dataset_drift: boolean };
  quality: Record<string, QualityStats>;
  /** Drift of the predictions against the reference's (absent without reference or current predictions). */
  prediction?: TestResult;
  /** Pearson correlation of each feature with the prediction, now and on the reference (NaN when undefined). */
  correlations: Record<string, { current: number; reference: number }>;
}

/** The test for a reference of `rows` rows under `settings`. */
export function chooseTest(settings: Pick<DriftSettings, 'stat_test'>, rows: number): StatTest {
  if (settings.stat_test !== 'auto') return settings.stat_test;
  return rows <= KS_MAX_REFERENCE_ROWS ? 'ks' : 'wasserstein';
}

/**
 * One test of `current` against `reference` (finite values only); undefined when either side has none.
 *
 * @example
 *   runTest([1, 2, 3, 4], [10, 11, 12, 13], 4, DEFAULT_DRIFT_SETTINGS) // { stat_test: 'ks', score: 0.0286, drifted: true, … }
 */
export function runTest(reference: ArrayLike<number>, current: ArrayLike<number>, referenceRows: number, settings: DriftSettings): TestResult | undefined {
  const ref = finite(reference);
  const cur = finite(current);
  if (ref.length === 0 || cur.length === 0) return undefined;
  const test = chooseTest(settings, referenceRows);
  let score: number;
  if (test === 'ks') score = ksTwoSample(ref, cur).pvalue;
  else if (test === 'wasserstein') score = normedWasserstein(ref, cur);
  else if (test === 'jensenshannon') score = jensenShannonDrift(ref, cur);
  else score = psi(ref, cur);
  const threshold = test === 'ks' ? settings.p_threshold : settings.stat_threshold;
  const drifted = test === 'ks' ? score < threshold : score >= threshold;
  return { stat_test: test, score, drifted, threshold, psi: psi(ref, cur), reference_rows: ref.length, current_rows: cur.length };
}

/** Data quality of one column. */
export function qualityStats(values: ArrayLike<number>): QualityStats {
  let missing = 0;
  let infinite = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) missing++;
    else if (!Number.isFinite(v)) infinite++;
    else {
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  let mode = NaN;
  let best = 0;
  for (const [v, c] of counts) {
    if (c > best || (c === best && v < mode)) {
      best = c;
      mode = v;
    }
  }
  return {
    count: values.length,
    missing_count: missing,
    infinite_count: infinite,
    min: n ? min : NaN,
    max: n ? max : NaN,
    mean: n ? sum / n : NaN,
    most_common_value: mode,
  };
}

/** Pearson correlation over the rows where both values are finite. */
function finitePearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) {
      xs.push(x[i]!);
      ys.push(y[i]!);
    }
  }
  return pearson(xs, ys);
}

/**
 * Drift, data quality and prediction drift of `current` against `reference`.
 *
 * @example
 *   const r = computeDrift(reference, { features: { distance: [...] }, predictions: [...] }, DEFAULT_DRIFT_SETTINGS);
 *   r.features.filter((f) => f.drifted).map((f) => f.feature);
 */
export function computeDrift(reference: DriftReference, current: CurrentData, settings: DriftSettings = DEFAULT_DRIFT_SETTINGS): DriftResult {
  const features: FeatureDrift[] = [];
  const quality: Record<string, QualityStats> = {};
  const correlations: Record<string, { current: number; reference: number }> = {};
  let currentRows = 0;
  for (const [name, values] of Object.entries(current.features)) {
    currentRows = Math.max(currentRows, values.length);
    quality[name] = qualityStats(values);
  }
  for (const [name, refValues] of Object.entries(reference.features)) {
    const cur = current.features[name];
    if (!cur) continue;
    const r = runTest(refValues, cur, reference.rows, settings);
    if (r) features.push({ feature: name, ...r });
    if (current.predictions) {
      correlations[name] = { current: finitePearson(cur, current.predictions), reference: reference.correlations?.[name] ?? NaN };
    }
  }
  const drifted = features.filter((f) => f.drifted).length;
  const share = features.length ? drifted / features.length : 0;
  const prediction =
    reference.predictions && current.predictions ? runTest(reference.predictions.values, current.predictions, reference.predictions.rows, settings) : undefined;
  return {
    current_rows: current.predictions?.length ?? currentRows,
    features,
    dataset: { number_of_features: features.length, drifted_features: drifted, drifted_share: share, dataset_drift: features.length > 0 && share >= settings.drift_share },
    quality,
    ...(prediction ? { prediction } : {}),
    correlations,
  };
}
