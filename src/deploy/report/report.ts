/**
 * A drift report as data (what `-o json` prints and the HTML shows): per feature the reference and current
 * histograms on shared bins, the test, its statistic and p-value and the verdict; the dataset summary;
 * data quality; the prediction distribution. Numbers come from `computeDrift`, the function the service
 * itself runs, so the report and the service's metrics agree.
 */
import type { StoredModel } from '../../models/model-store.js';
import { BentoError } from '../../errors.js';
import { computeDrift, DEFAULT_DRIFT_SETTINGS, type DriftSettings, type QualityStats, type TestResult } from '../../runtime/monitoring/drift.js';
import { driftReference } from '../../runtime/monitoring/model-reference.js';
import { finite, histogram, ksTwoSample, sharedBinEdges } from '../../runtime/monitoring/stats.js';
import type { CurrentSample } from './current.js';

/** Bins of the report's histograms. */
export const REPORT_BINS = 20;

export interface Histogram {
  /** REPORT_BINS + 1 edges over both samples' range. */
  edges: number[];
  /** Share of each sample per bin (finite values only). */
  reference: number[];
  current: number[];
}

export interface TestReport {
  stat_test: string;
  /** The test's statistic: KS D for ks, else the distance. */
  statistic: number;
  /** The p-value (ks only; null for a distance). */
  p_value: number | null;
  threshold: number;
  psi: number;
  drifted: boolean;
  verdict: 'drift' | 'no drift';
  reference_rows: number;
  current_rows: number;
  histogram: Histogram;
}

export interface FeatureReport extends TestReport {
  feature: string;
  quality: QualityStats;
}

export interface DriftReport {
  model: string;
  source: string;
  /** ISO 8601. */
  generated: string;
  settings: DriftSettings;
  summary: {
    reference_rows: number;
    current_rows: number;
    refused_rows: number;
    refused_examples: string[];
    number_of_features: number;
    drifted_features: number;
    drifted_share: number;
    dataset_drift: boolean;
  };
  features: FeatureReport[];
  prediction: TestReport | null;
  /** Pearson correlation of each feature with the prediction. */
  correlations: Record<string, { current: number; reference: number }>;
}

function shares(ref: ArrayLike<number>, cur: ArrayLike<number>): Histogram {
  const r = finite(ref);
  const c = finite(cur);
  const edges = sharedBinEdges(r, c, REPORT_BINS);
  const part = (v: Float64Array): number[] => histogram(v, edges).map((n) => (v.length ? n / v.length : 0));
  return { edges: Array.from(edges), reference: part(r), current: part(c) };
}

function testReport(t: TestResult, ref: ArrayLike<number>, cur: ArrayLike<number>): TestReport {
  const ks = t.stat_test === 'ks';
  return {
    stat_test: t.stat_test,
    statistic: ks ? ksTwoSample(finite(ref), finite(cur)).statistic : t.score,
    p_value: ks ? t.score : null,
    threshold: t.threshold,
    psi: t.psi,
    drifted: t.drifted,
    verdict: t.drifted ? 'drift' : 'no drift',
    reference_rows: t.reference_rows,
    current_rows: t.current_rows,
    histogram: shares(ref, cur),
  };
}

/** The report of `current` against the reference `model` stored; `now` stamps it. */
export function driftReport(model: StoredModel, current: CurrentSample, settings: DriftSettings = DEFAULT_DRIFT_SETTINGS, now = new Date()): DriftReport {
  const ref = driftReference(model.info);
  if ('missing' in ref) throw new BentoError('BAD_MODEL', `${ref.missing}: retrain it to compare data with it`);
  const reference = ref.reference;
  const r = computeDrift(reference, { features: current.features, predictions: current.predictions }, settings);
  const features = r.features.map((f): FeatureReport => ({
    feature: f.feature,
    ...testReport(f, reference.features[f.feature]!, current.features[f.feature]!),
    quality: r.quality[f.feature]!,
  }));
  const prediction = r.prediction && reference.predictions ? testReport(r.prediction, reference.predictions.values, current.predictions) : null;
  return {
    model: `${model.info.name}:${model.info.version}`,
    source: current.source,
    generated: now.toISOString(),
    settings,
    summary: {
      reference_rows: reference.rows,
      current_rows: current.rows,
      refused_rows: current.refused.rows,
      refused_examples: current.refused.examples,
      number_of_features: r.dataset.number_of_features,
      drifted_features: r.dataset.drifted_features,
      drifted_share: r.dataset.drifted_share,
      dataset_drift: r.dataset.dataset_drift,
    },
    features,
    prediction,
    correlations: r.correlations,
  };
}

/** JSON text of a report: non-finite numbers (an undefined correlation, an empty column's mean) are null. */
export function reportJson(report: DriftReport): string {
  return JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}
