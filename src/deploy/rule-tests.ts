/**
 * `promtool test rules` unit tests shipped beside the rules: for every alert a series that must fire and
 * one that must stay quiet (among them the originals' bugs: a high p-value, a large but flat CPU counter),
 * and for every recording rule the original name answering with our value.
 */
import { alertRules, recordingRules, type AlertRule } from './rules.js';
import type { DeploySettings } from './settings.js';

interface InputSeries {
  series: string;
  values: string;
}

interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpAlert[];
}

interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples: Array<{ labels: string; value: number }>;
}

export interface RuleTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: Array<{ name: string; interval: string; input_series: InputSeries[]; alert_rule_test?: AlertTest[]; promql_expr_test?: ExprTest[] }>;
}

const series = (name: string, labels: Record<string, string>): string =>
  `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;

/** A duration such as 30s, 1m, 2h in seconds. */
export function durationSeconds(d: string): number {
  const m = /^([0-9]+)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600;
}

function expand(text: string, labels: Record<string, string>): string {
  return text.replace(/\{\{ \$labels\.([a-zA-Z_]+) \}\}/g, (_, k: string) => labels[k] ?? '');
}

/**
 * The rules' unit tests; `ruleFiles` are paths relative to the test file. Series change at minute 2 and
 * alerts are checked once `for:` has surely elapsed.
 */
export function ruleTests(s: DeploySettings, ruleFiles: string[]): RuleTestFile {
  const p = s.prefix;
  const rules = new Map<string, AlertRule>(alertRules(s).rules.map((r) => [r.alert, r]));
  const forMin = Math.ceil(durationSeconds(s.alertFor) / 60);
  const firingMin = 2 + forMin + 2;
  const steps = firingMin + 3;
  const at = `${firingMin}m`;
  const flat = (v: number | string): string => `${v}x${steps}`;
  const stepUp = (before: number, after: number): string => `${before} ${before} ${after}x${steps - 2}`;
  const counter = (perMinute: number, start = 0): string => `${start}+${perMinute}x${steps}`;
  const target = { job: s.job, instance: `bento:${s.port}` };
  const api = (name: string): Record<string, string> => ({ ...target, api: name, service_version: s.version });
  const alert = (name: string, labels: Record<string, string>): ExpAlert => {
    const rule = rules.get(name)!;
    const all = { ...labels, ...rule.labels };
    return {
      exp_labels: all,
      exp_annotations: { summary: expand(rule.annotations.summary, all), description: expand(rule.annotations.description, all) },
    };
  };
  const fires = (name: string, ...exp: ExpAlert[]): AlertTest[] => [
    { eval_time: '1m', alertname: name, exp_alerts: [] },
    { eval_time: at, alertname: name, exp_alerts: exp },
  ];

  const ks = { ...api('drifting'), stat_test: 'ks' };
  const ksQuiet = { ...api('stable'), stat_test: 'ks' };
  const wsQuiet = { ...api('stable_big'), stat_test: 'wasserstein' };
  const wsDrift = { ...api('drifting_big'), stat_test: 'wasserstein' };
  const hot = { job: s.job, instance: 'hot:1' };
  const cold = { job: s.job, instance: 'cold:1' };
  const failing = { job: s.job, instance: 'failing:1' };
  const shedding = { job: s.job, instance: 'shedding:1' };
  const code = (t: Record<string, string>, c: string, ep = '/predict'): Record<string, string> => ({ ...t, endpoint: ep, http_response_code: c, service_version: s.version });
  const b = s.latencyBudgetSeconds;
  const buckets = (t: Record<string, string>, counts: [number, number]): InputSeries[] => [
    { series: series(`${p}request_duration_seconds_bucket`, { ...code(t, '200'), le: String(b / 10) }), values: counter(counts[0]) },
    { series: series(`${p}request_duration_seconds_bucket`, { ...code(t, '200'), le: String(b * 4) }), values: counter(counts[0] + counts[1]) },
    { series: series(`${p}request_duration_seconds_bucket`, { ...code(t, '200'), le: '+Inf' }), values: counter(counts[0] + counts[1]) },
  ];
  const slow = { job: s.job, instance: 'slow:1' };
  const fast = { job: s.job, instance: 'fast:1' };

  const alertTest = {
    name: 'alerts fire on what they mean, and only on it',
    interval: '1m',
    input_series: [
      { series: series('up', target), values: stepUp(1, 0) },
      { series: series('up', { job: s.job, instance: 'other:1' }), values: flat(1) },
      { series: series(`${p}dataset_drift`, api('drifting')), values: stepUp(0, 1) },
      { series: series(`${p}dataset_drift`, api('stable')), values: flat(0) },
      { series: series(`${p}drifted_features`, api('drifting')), values: stepUp(0, 2) },
      { series: series(`${p}drifted_features`, api('stable')), values: flat(0) },
      // A p-value: drift is a small one. The original `drift > 0` fired on the stable series too.
      { series: series(`${p}prediction_drift_score`, ks), values: stepUp(0.6, s.pValueAlpha / 5) },
      { series: series(`${p}prediction_drift_score`, ksQuiet), values: flat(0.9) },
      { series: series(`${p}prediction_drift_score`, wsQuiet), values: flat(s.distanceThreshold / 4) },
      { series: series(`${p}prediction_drift_score`, wsDrift), values: stepUp(s.distanceThreshold / 4, s.distanceThreshold * 3) },
      // 0.9 vs 0.1 cores; the cold counter is far above the original's fixed 80 and must not alert.
      { series: series('process_cpu_seconds_total', hot), values: counter(54) },
      { series: series('process_cpu_seconds_total', cold), values: counter(6, 1000) },
      { series: series(`${p}request_total`, code(failing, '200')), values: counter(600) },
      { series: series(`${p}request_total`, code(failing, '500')), values: counter(60) },
      { series: series(`${p}request_total`, code(shedding, '200')), values: counter(600) },
      { series: series(`${p}request_total`, code(shedding, '503')), values: counter(60) },
      ...buckets(slow, [0, 100]),
      ...buckets(fast, [100, 0]),
      { series: series(`${p}payload_log_dropped_total`, api('dropping')), values: counter(5) },
      { series: series(`${p}payload_log_dropped_total`, api('keeping')), values: flat(3) },
    ],
    alert_rule_test: [
      ...fires('InstanceDown', alert('InstanceDown', target)),
      ...fires('DatasetDrift', alert('DatasetDrift', api('drifting'))),
      ...fires('FeaturesDrift', alert('FeaturesDrift', api('drifting'))),
      ...fires('PredictionDrift', alert('PredictionDrift', ks), alert('PredictionDrift', wsDrift)),
      { eval_time: at, alertname: 'HighCPU', exp_alerts: [alert('HighCPU', hot)] },
      { eval_time: at, alertname: 'HighErrorRatio', exp_alerts: [alert('HighErrorRatio', failing)] },
      { eval_time: at, alertname: 'LoadShedding', exp_alerts: [alert('LoadShedding', shedding)] },
      { eval_time: at, alertname: 'HighLatencyP99', exp_alerts: [alert('HighLatencyP99', { ...slow, endpoint: '/predict' })] },
      { eval_time: at, alertname: 'PayloadLogDropping', exp_alerts: [alert('PayloadLogDropping', api('dropping'))] },
    ],
  };

  // Every recording rule: the original name answers with our value and labels.
  const feature = { ...api('predict'), feature: 'x1' };
  const inputs: InputSeries[] = [
    { series: series(`${p}drift_score`, { ...feature, stat_test: 'ks' }), values: flat(0.25) },
    { series: series(`${p}dataset_drift`, api('predict')), values: flat(1) },
    { series: series(`${p}drifted_features`, api('predict')), values: flat(3) },
    { series: series(`${p}drifted_features_share`, api('predict')), values: flat(0.6) },
    { series: series(`${p}data_quality`, { ...feature, metric: 'mean' }), values: flat(12.5) },
    { series: series(`${p}prediction_drift_score`, { ...api('predict'), stat_test: 'ks' }), values: flat(0.04) },
    { series: series(`${p}monitoring_window_rows`, api('predict')), values: flat(500) },
    { series: series(`${p}feature_prediction_correlation`, { ...feature, kind: 'current' }), values: flat(0.7) },
    { series: series(`${p}feature_prediction_correlation`, { ...feature, kind: 'reference' }), values: flat(0.8) },
  ];
  const expected: Array<[string, Record<string, string>, number]> = [
    ['evidently:data_drift:value', { ...feature, stat_test: 'ks' }, 0.25],
    ['evidently:data_drift:dataset_drift', api('predict'), 1],
    ['evidently:data_drift:n_drifted_features', api('predict'), 3],
    ['evidently:data_drift:share_drifted_features', api('predict'), 0.6],
    ['evidently:data_quality:quality_stat', { ...feature, metric: 'mean' }, 12.5],
    ['evidently:cat_target_drift:drift', { ...api('predict'), stat_test: 'ks' }, 0.04],
    ['evidently:cat_target_drift:count', api('predict'), 500],
    ['evidently:num_target_drift:current_correlations', { ...feature, kind: 'target' }, 0.7],
    ['evidently:num_target_drift:reference_correlations', { ...feature, kind: 'target' }, 0.8],
  ];
  const recorded = new Set(recordingRules(s).rules.map((r) => r.record));
  const recordingTest = {
    name: 'the original Evidently series answer from the service\'s metrics',
    interval: '1m',
    input_series: inputs,
    promql_expr_test: expected
      .filter(([name]) => recorded.has(name))
      .map(([name, labels, value]) => ({ expr: name, eval_time: '1m', exp_samples: [{ labels: series(name, labels), value }] })),
  };
  return { rule_files: ruleFiles, evaluation_interval: '1m', tests: [alertTest, recordingTest] };
}

