/**
 * The monitoring gauges on `/metrics`, named as agreed with `bento deploy`'s recording rules
 * (prefix `BENTOML_<service>_`, labels `api`, `service_version` and per series `feature`, `stat_test`,
 * `metric`, `kind`). They live in a registry of their own, filled from drift results at scrape time:
 * the cluster's metric sum must not add up gauges computed on the merged window.
 */
import client from 'prom-client';
import { metricPrefix } from '../http/metrics.js';
import type { DriftResult, QualityStats } from './drift.js';

/** The data-quality statistics exported, as `metric` label values. */
export const QUALITY_METRICS = ['max', 'min', 'mean', 'missing_count', 'most_common_value', 'infinite_count'] as const satisfies ReadonlyArray<keyof QualityStats>;

export class MonitoringExporter {
  readonly registry = new client.Registry();
  private readonly gauges: Record<
    | 'score'
    | 'detected'
    | 'psi'
    | 'dataset'
    | 'count'
    | 'share'
    | 'quality'
    | 'predictionScore'
    | 'predictionDetected'
    | 'correlation'
    | 'windowRows',
    client.Gauge<string>
  >;

  constructor(
    service: string,
    private readonly version: string,
  ) {
    const p = metricPrefix(service);
    const registers = [this.registry];
    const gauge = (name: string, help: string, labels: string[]): client.Gauge<string> =>
      new client.Gauge({ name: `${p}${name}`, help, labelNames: ['api', ...labels, 'service_version'], registers });
    this.gauges = {
      score: gauge('drift_score', 'Drift test value per feature over the window: a p-value for ks, a distance for wasserstein / jensenshannon', ['feature', 'stat_test']),
      detected: gauge('drift_detected', '1 when the feature drifted (p-value below, or distance at or above, the threshold)', ['feature', 'stat_test']),
      psi: gauge('drift_psi', 'Population stability index per feature over the window', ['feature']),
      dataset: gauge('dataset_drift', '1 when the share of drifted features reaches the drift_share threshold', []),
      count: gauge('drifted_features', 'Features drifted over the window', []),
      share: gauge('drifted_features_share', 'Share of the features drifted over the window', []),
      quality: gauge('data_quality', 'Data quality per feature over the window (missing_count: NaN, infinite_count: ±Inf)', ['feature', 'metric']),
      predictionScore: gauge('prediction_drift_score', 'Drift test value of the predictions against those on the validation split', ['stat_test']),
      predictionDetected: gauge('prediction_drift_detected', '1 when the predictions drifted', []),
      correlation: gauge('feature_prediction_correlation', 'Pearson correlation of a feature with the prediction (current: the window; reference: the validation split)', ['feature', 'kind']),
      windowRows: gauge('monitoring_window_rows', 'Records in the monitoring window', []),
    };
  }

  /** Replaces every series with those of `results` (one per API; `undefined` drift when the API has no reference). */
  fill(results: ReadonlyArray<{ api: string; rows: number; drift: DriftResult | undefined; quality: Record<string, QualityStats> }>): void {
    for (const g of Object.values(this.gauges)) g.reset();
    const g = this.gauges;
    const service_version = this.version;
    const set = (gauge: client.Gauge<string>, labels: Record<string, string>, v: number): void => {
      if (!Number.isNaN(v)) gauge.set({ ...labels, service_version }, v);
    };
    for (const { api, rows, drift, quality } of results) {
      set(g.windowRows, { api }, rows);
      for (const [feature, q] of Object.entries(quality)) {
        for (const metric of QUALITY_METRICS) set(g.quality, { api, feature, metric }, q[metric]);
      }
      if (!drift) continue;
      for (const f of drift.features) {
        set(g.score, { api, feature: f.feature, stat_test: f.stat_test }, f.score);
        set(g.detected, { api, feature: f.feature, stat_test: f.stat_test }, f.drifted ? 1 : 0);
        set(g.psi, { api, feature: f.feature }, f.psi);
      }
      set(g.dataset, { api }, drift.dataset.dataset_drift ? 1 : 0);
      set(g.count, { api }, drift.dataset.drifted_features);
      set(g.share, { api }, drift.dataset.drifted_share);
      if (drift.prediction) {
        set(g.predictionScore, { api, stat_test: drift.prediction.stat_test }, drift.prediction.score);
        set(g.predictionDetected, { api }, drift.prediction.drifted ? 1 : 0);
      }
      for (const [feature, c] of Object.entries(drift.correlations)) {
        set(g.correlation, { api, feature, kind: 'current' }, c.current);
        set(g.correlation, { api, feature, kind: 'reference' }, c.reference);
      }
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
