/**
 * The bundle's two Grafana dashboards: the service (the original traffic panels, then latency, status
 * codes, in-flight, batching, inference, process) and its data (the original Evidently panels, unchanged
 * queries, then per-feature drift flags, PSI and data quality).
 */
import { dashboard, type Dashboard } from './grafana.js';
import { ORIGINAL_DASHBOARD_QUERIES, originalTrafficQueries } from './rules.js';
import { k8sName, type DeploySettings } from './settings.js';

const q = (expr: string, legend: string): [string, string] => [expr, legend];

export function serviceDashboard(s: DeploySettings): Dashboard {
  const p = s.prefix;
  const [total, reqRate] = originalTrafficQueries(p) as [string, string];
  const quantiles = (metric: string, by: string, qs: number[]): Array<[string, string]> =>
    qs.map((x) => q(`histogram_quantile(${x}, sum by (${by}le) (rate(${p}${metric}_bucket[5m])))`, `p${Math.round(x * 100)}${by ? ` {{${by.slice(0, -2)}}}` : ''}`));
  return dashboard(`${k8sName(s.service).slice(0, 30)}-service`, `${s.service}: service`, ['bentoml', 'service'], [
    { title: 'Requests (total)', queries: [q(total, '{{endpoint}} {{http_response_code}}')] },
    { title: 'Request rate', unit: 'reqps', queries: [reqRate] },
    {
      title: 'Latency p50 / p95 / p99',
      unit: 's',
      queries: [0.5, 0.95, 0.99].map((x) =>
        q(`histogram_quantile(${x}, sum by (le) (rate(${p}request_duration_seconds_bucket{endpoint!="unknown"}[5m])))`, `p${Math.round(x * 100)}`),
      ),
    },
    { title: 'Responses by status code', unit: 'reqps', queries: [q(`sum by (http_response_code) (rate(${p}request_total[5m]))`, '{{http_response_code}}')] },
    { title: 'In flight', queries: [q(`sum by (endpoint) (${p}request_in_progress)`, '{{endpoint}}')] },
    {
      title: 'Batch size (rows per model call)',
      queries: [
        q(`sum(rate(${p}adaptive_batch_size_sum[5m])) / sum(rate(${p}adaptive_batch_size_count[5m]))`, 'mean'),
        ...quantiles('adaptive_batch_size', '', [0.99]),
      ],
    },
    { title: 'Inference time', unit: 's', queries: quantiles('inference_duration_seconds', 'model, ', [0.5, 0.99]) },
    { title: 'Shed requests (503)', unit: 'reqps', queries: [q(`sum(rate(${p}request_total{http_response_code="503"}[5m])) or vector(0)`, 'shed')] },
    { title: 'CPU (cores)', queries: [q(`rate(process_cpu_seconds_total{job="${s.job}"}[1m])`, '{{instance}}')] },
    { title: 'Resident memory', unit: 'bytes', queries: [q(`process_resident_memory_bytes{job="${s.job}"}`, '{{instance}}')] },
  ]);
}

export function dataDashboard(s: DeploySettings): Dashboard {
  const p = s.prefix;
  const [value, datasetDrift, nDrifted, share, quality, targetDrift, count, currentCorr, referenceCorr] = ORIGINAL_DASHBOARD_QUERIES as [
    string, string, string, string, string, string, string, string, string,
  ];
  return dashboard(`${k8sName(s.service).slice(0, 30)}-data`, `${s.service}: data drift and quality`, ['bentoml', 'evidently', 'drift'], [
    // The original panels, their queries unchanged (recorded from the service's metrics).
    { type: 'stat', w: 6, title: 'Dataset drift', queries: [datasetDrift] },
    { type: 'stat', w: 6, title: 'Drifted features', queries: [nDrifted] },
    { type: 'stat', w: 6, title: 'Share of drifted features', unit: 'percentunit', queries: [share] },
    { type: 'stat', w: 6, title: 'Rows in the window', queries: [count] },
    { title: 'Drift score per feature (p-value or distance)', queries: [q(value, '{{feature}} ({{stat_test}})')] },
    { title: 'Prediction drift', description: 'KS p-value (drift when below α) or a distance (drift when above the threshold)', queries: [q(targetDrift, '{{stat_test}}')] },
    { type: 'table', w: 24, h: 10, title: 'Data quality', queries: [quality] },
    { title: 'Feature–prediction correlation (current)', queries: [q(currentCorr, '{{feature}}')] },
    { title: 'Feature–prediction correlation (reference)', queries: [q(referenceCorr, '{{feature}}')] },
    // Beyond the original.
    { title: 'Drifted, per feature', queries: [q(`${p}drift_detected`, '{{feature}}')] },
    { title: 'Population stability index, per feature', queries: [q(`${p}drift_psi`, '{{feature}}')] },
    { title: 'Mean per feature (window)', queries: [q(`${p}data_quality{metric="mean"}`, '{{feature}}')] },
    { title: 'Missing and non-finite values', queries: [q(`${p}data_quality{metric=~"missing_count|infinite_count"}`, '{{feature}} {{metric}}')] },
    { title: 'Payload log lines dropped', queries: [q(`sum(rate(${p}payload_log_dropped_total[5m])) or vector(0)`, 'dropped')] },
  ]);
}
