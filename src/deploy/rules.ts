/**
 * Prometheus rules of a bundle, as data (the same groups go into `prometheus/rules/*.yml` and into the
 * Kubernetes PrometheusRule):
 * - recording rules that give the service's monitoring gauges the names the original Evidently exporter
 *   used (`evidently:data_drift:value`, …), so the original dashboards and alerts keep their queries;
 * - alert rules with the semantics the originals meant (a p-value alerts when *below* α; CPU by `rate()`).
 */
import type { DeploySettings } from './settings.js';

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' | 'info' };
  /** Templates use only `{{ $labels.NAME }}` (so the unit tests can expand them). */
  annotations: { summary: string; description: string };
}

export interface RuleGroup<R> {
  name: string;
  rules: R[];
}

/** The original series names, with what each is recorded from (suffix of `BENTOML_<service>_`). */
export const EVIDENTLY_SERIES = {
  'evidently:data_drift:value': 'drift_score',
  'evidently:data_drift:dataset_drift': 'dataset_drift',
  'evidently:data_drift:n_drifted_features': 'drifted_features',
  'evidently:data_drift:share_drifted_features': 'drifted_features_share',
  'evidently:data_quality:quality_stat': 'data_quality',
  'evidently:cat_target_drift:drift': 'prediction_drift_score',
  'evidently:cat_target_drift:count': 'monitoring_window_rows',
  'evidently:num_target_drift:current_correlations': 'feature_prediction_correlation',
  'evidently:num_target_drift:reference_correlations': 'feature_prediction_correlation',
} as const;

export type EvidentlySeries = keyof typeof EVIDENTLY_SERIES;

/** The queries of the original dashboards, exactly as they were written. */
export const ORIGINAL_DASHBOARD_QUERIES: readonly string[] = [
  'evidently:data_drift:value',
  'evidently:data_drift:dataset_drift',
  'evidently:data_drift:n_drifted_features',
  'evidently:data_drift:share_drifted_features',
  'evidently:data_quality:quality_stat{metric=~"max|min|mean|missing_count|most_common_value|infinite_count"}',
  'evidently:cat_target_drift:drift',
  'evidently:cat_target_drift:count',
  'evidently:num_target_drift:current_correlations{kind="target"}',
  'evidently:num_target_drift:reference_correlations',
];

/** The original traffic panels (the prefix is the service's). */
export function originalTrafficQueries(prefix: string): string[] {
  return [`${prefix}request_total`, `sum(rate(${prefix}request_duration_seconds_count[5m]))`];
}

export const RECORDING_GROUP = 'evidently-compatible';
export const ALERT_GROUP = 'bentoml-alerts';

export function recordingRules(s: DeploySettings): RuleGroup<RecordingRule> {
  const p = s.prefix;
  // Evidently's correlation series carried kind="target" (feature vs target/prediction); ours say which
  // window (current|reference), which the two record names already tell apart.
  const corr = (kind: 'current' | 'reference'): string =>
    `label_replace(${p}feature_prediction_correlation{kind="${kind}"}, "kind", "target", "kind", ".*")`;
  const rules: RecordingRule[] = Object.entries(EVIDENTLY_SERIES).map(([record, ours]) => {
    if (record === 'evidently:num_target_drift:current_correlations') return { record, expr: corr('current') };
    if (record === 'evidently:num_target_drift:reference_correlations') return { record, expr: corr('reference') };
    return { record, expr: `${p}${ours}` };
  });
  return { name: RECORDING_GROUP, rules };
}

export function alertRules(s: DeploySettings): RuleGroup<AlertRule> {
  const p = s.prefix;
  const f = s.alertFor;
  const byTarget = 'job, instance';
  const rate = (sel: string): string => `sum by (${byTarget}) (rate(${p}request_total${sel}[5m]))`;
  const rules: AlertRule[] = [
    {
      alert: 'InstanceDown',
      expr: `up{job="${s.job}"} == 0`,
      for: f,
      labels: { severity: 'critical' },
      annotations: { summary: 'Instance {{ $labels.instance }} down', description: '{{ $labels.instance }} of job {{ $labels.job }} has not answered a scrape.' },
    },
    {
      alert: 'DatasetDrift',
      expr: 'evidently:data_drift:dataset_drift == 1',
      for: f,
      labels: { severity: 'warning' },
      annotations: { summary: 'Dataset drift on {{ $labels.api }}', description: 'At least the share threshold of the features of API {{ $labels.api }} drifted from the reference.' },
    },
    {
      alert: 'FeaturesDrift',
      expr: 'evidently:data_drift:n_drifted_features > 0',
      for: f,
      labels: { severity: 'warning' },
      annotations: { summary: 'Features drift on {{ $labels.api }}', description: 'One or more features of API {{ $labels.api }} drifted from the reference.' },
    },
    {
      // The original alerted on `drift > 0`, but the value is a p-value: drift is a *small* p-value.
      alert: 'PredictionDrift',
      expr:
        `evidently:cat_target_drift:drift{stat_test="ks"} < ${s.pValueAlpha}` +
        ` or evidently:cat_target_drift:drift{stat_test!="ks"} > ${s.distanceThreshold}`,
      for: f,
      labels: { severity: 'warning' },
      annotations: { summary: 'Prediction drift on {{ $labels.api }}', description: 'The predictions of API {{ $labels.api }} drifted from their distribution on the validation split ({{ $labels.stat_test }}).' },
    },
    {
      // A counter only grows: the original `process_cpu_seconds_total > 80` never cleared. Cores in use:
      alert: 'HighCPU',
      expr: `rate(process_cpu_seconds_total{job="${s.job}"}[2m]) > 0.8`,
      for: f,
      labels: { severity: 'warning' },
      annotations: { summary: 'High CPU on {{ $labels.instance }}', description: '{{ $labels.instance }} used more than 0.8 CPU cores for a while.' },
    },
    {
      // 503 is shedding or not-ready (its own alert); other 5xx are failures.
      alert: 'HighErrorRatio',
      expr: `${rate('{http_response_code=~"5..", http_response_code!="503"}')} / ${rate('')} > 0.05`,
      for: f,
      labels: { severity: 'critical' },
      annotations: { summary: 'Server errors on {{ $labels.instance }}', description: 'More than 5 % of the requests to {{ $labels.instance }} were answered with a 5xx other than 503.' },
    },
    {
      alert: 'HighLatencyP99',
      expr:
        `histogram_quantile(0.99, sum by (${byTarget}, endpoint, le) ` +
        `(rate(${p}request_duration_seconds_bucket{endpoint!="unknown"}[5m]))) > ${s.latencyBudgetSeconds}`,
      for: f,
      labels: { severity: 'warning' },
      annotations: { summary: 'p99 latency over budget on {{ $labels.endpoint }}', description: `The p99 latency of {{ $labels.endpoint }} on {{ $labels.instance }} is above ${s.latencyBudgetSeconds} s.` },
    },
    {
      alert: 'LoadShedding',
      expr: `${rate('{http_response_code="503"}')} / ${rate('')} > 0.01`,
      for: f,
      labels: { severity: 'warning' },
      annotations: { summary: 'Shedding load on {{ $labels.instance }}', description: 'More than 1 % of the requests to {{ $labels.instance }} were shed (503): add capacity.' },
    },
    {
      alert: 'PayloadLogDropping',
      expr: `increase(${p}payload_log_dropped_total[5m]) > 0`,
      for: f,
      labels: { severity: 'info' },
      annotations: { summary: 'Payload log dropping lines on {{ $labels.instance }}', description: 'The payload log queue of API {{ $labels.api }} was full: lines were dropped.' },
    },
  ];
  return { name: ALERT_GROUP, rules };
}
