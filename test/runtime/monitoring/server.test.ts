// Monitoring in a real server (createServer on a real port, real onnxruntime): traffic drawn like the model's
// reference leaves every feature undrifted; the same traffic with the distance shifted by 10 km drifts that
// feature alone; the figures on /metrics are those computeDrift gives on the same rows; promtool accepts the
// exposition; the window holds the last N records; monitoring can be turned off; the API settings are checked.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { computeDrift } from '../../../src/runtime/monitoring/drift.js';
import { driftReference } from '../../../src/runtime/monitoring/model-reference.js';
import { get, post, sample } from '../../kit/http.js';
import { FEATURES, preprocessed } from '../../kit/model.js';
import { promtoolMissing } from '../../kit/prometheus.js';
import { DISTANCE, monitored, serve, traffic } from './reference-kit.js';

const P = 'BENTOML_activities_model_';

/** Posts `records` in requests of `per` records. */
async function send(url: string, records: Array<Record<string, unknown>>, per = 25): Promise<void> {
  for (let i = 0; i < records.length; i += per) {
    const r = await post(`${url}/predict`, records.slice(i, i + per));
    if (r.status !== 200) throw new Error(`predict answered ${r.status}: ${r.text}`);
  }
}

const drifted = (text: string, feature: string): number | undefined => sample(text, `${P}drift_detected`, { api: 'predict', feature, stat_test: 'ks' });

t.test('reference-like traffic, then one feature shifted', { timeout: 60_000 }, async (t) => {
  const { url, info } = await serve(t, monitored());
  let text = (await get(`${url}/metrics`)).text;
  t.equal(sample(text, `${P}monitoring_window_rows`, { api: 'predict', service_version: 'test' }), 0, 'an empty window from the first scrape');
  t.equal(sample(text, `${P}dataset_drift`, { api: 'predict' }), 0, 'no drift without traffic');
  t.equal(sample(text, `${P}payload_log_dropped_total`, { api: 'predict' }), undefined, 'no payload log, no dropped-lines series');

  const like = traffic(500, 99);
  await send(url, like);
  text = (await get(`${url}/metrics`)).text;
  t.equal(sample(text, `${P}monitoring_window_rows`, { api: 'predict' }), 500);
  for (const f of FEATURES) t.equal(drifted(text, f), 0, `${f}: not drifted`);
  t.equal(sample(text, `${P}drifted_features`, { api: 'predict' }), 0);
  t.equal(sample(text, `${P}dataset_drift`, { api: 'predict' }), 0);
  t.equal(sample(text, `${P}prediction_drift_detected`, { api: 'predict' }), 0, 'the predictions did not drift');

  const shifted = traffic(500, 123, 10);
  await send(url, shifted);
  text = (await get(`${url}/metrics`)).text;
  t.equal(sample(text, `${P}monitoring_window_rows`, { api: 'predict' }), 500, 'the window keeps the last 500 records');
  t.equal(drifted(text, DISTANCE), 1, 'the distance drifted');
  for (const f of FEATURES.slice(1)) t.equal(drifted(text, f), 0, `${f}: not drifted`);
  t.equal(sample(text, `${P}drifted_features`, { api: 'predict' }), 1);
  t.equal(sample(text, `${P}drifted_features_share`, { api: 'predict' }), 0.2);
  t.equal(sample(text, `${P}dataset_drift`, { api: 'predict' }), 0, '1 of 5 features is below the 50 % share');

  // The exported figures are computeDrift's on the rows the service fed the model (the last 500).
  const rows = shifted.map(preprocessed);
  const ref = driftReference(info);
  if (!('reference' in ref)) throw new Error(ref.missing);
  const want = computeDrift(ref.reference, { features: Object.fromEntries(FEATURES.map((f, j) => [f, rows.map((r) => r[j]!)])) });
  for (const f of want.features) {
    t.equal(sample(text, `${P}drift_score`, { api: 'predict', feature: f.feature, stat_test: 'ks' }), f.score, `${f.feature}: p-value ${f.score}`);
    t.equal(sample(text, `${P}drift_psi`, { api: 'predict', feature: f.feature }), f.psi, `${f.feature}: PSI`);
  }
  t.ok(sample(text, `${P}drift_score`, { api: 'predict', feature: DISTANCE, stat_test: 'ks' })! < 0.05, 'the distance p-value is below 0.05');
  const q = (feature: string, metric: string): number | undefined => sample(text, `${P}data_quality`, { api: 'predict', feature, metric });
  t.equal(q(DISTANCE, 'max'), 30, 'data quality: the clamped maximum');
  t.equal(q(DISTANCE, 'min'), Math.min(...rows.map((r) => r[0]!)));
  t.ok(Math.abs(q(DISTANCE, 'mean')! - rows.reduce((s, r) => s + r[0]!, 0) / 500) < 1e-9, 'data quality: the mean');
  t.equal(q(DISTANCE, 'most_common_value'), 30, 'data quality: the most common value (clamped)');
  t.equal(q(DISTANCE, 'missing_count'), 0);
  t.equal(q(DISTANCE, 'infinite_count'), 0);
  for (const kind of ['current', 'reference']) {
    t.ok(FEATURES.every((f) => sample(text, `${P}feature_prediction_correlation`, { api: 'predict', feature: f, kind }) !== undefined), `correlations (${kind})`);
  }
  t.ok(sample(text, `${P}prediction_drift_score`, { api: 'predict', stat_test: 'ks' }) !== undefined, 'prediction drift score');

  await t.test('promtool check metrics accepts the exposition', { skip: promtoolMissing() }, async (t) => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    t.equal(r.status, 0, r.stdout + r.stderr);
  });
});

t.test('settings: another test, a smaller window, monitoring off', { timeout: 60_000 }, async (t) => {
  const small = await serve(t, monitored({ window: 50, stat_test: 'wasserstein', stat_threshold: 0.2 }));
  await send(small.url, traffic(120, 5, 10));
  let text = (await get(`${small.url}/metrics`)).text;
  t.equal(sample(text, `${P}monitoring_window_rows`, { api: 'predict' }), 50);
  t.equal(sample(text, `${P}drift_detected`, { api: 'predict', feature: DISTANCE, stat_test: 'wasserstein' }), 1, 'the chosen test, by its name');
  t.equal(sample(text, `${P}drift_score`, { api: 'predict', feature: DISTANCE, stat_test: 'ks' }), undefined, 'no KS series');

  const off = await serve(t, monitored({ enabled: false }));
  await send(off.url, traffic(10, 5));
  text = (await get(`${off.url}/metrics`)).text;
  t.notMatch(text, /^BENTOML_\w+?_(monitoring_window_rows|drift_score|data_quality|payload_log_dropped_total)\{/m, 'no monitoring series when monitoring is off');

  const bare = await serve(t, monitored(), false);
  await send(bare.url, traffic(10, 5));
  text = (await get(`${bare.url}/metrics`)).text;
  t.equal(sample(text, `${P}monitoring_window_rows`, { api: 'predict' }), 10, 'a model without a reference: the window still fills');
  t.ok(sample(text, `${P}data_quality`, { api: 'predict', feature: DISTANCE, metric: 'max' }) !== undefined, 'data quality without a reference');
  t.equal(sample(text, `${P}drift_score`, { api: 'predict', feature: DISTANCE, stat_test: 'ks' }), undefined, 'no drift without a reference');
});

t.test('the monitoring settings are checked where they are declared', async (t) => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ window: 0 }, /api "predict": monitoring\.window must be a whole number ≥ 1, not 0/],
    [{ window: 1e6 }, /monitoring\.window must be at most 100000/],
    [{ stat_test: 'chi2' }, /monitoring\.stat_test must be auto, ks, wasserstein, jensenshannon, psi, not "chi2"/],
    [{ p_threshold: 0 }, /monitoring\.p_threshold must be a number > 0 and ≤ 1/],
    [{ drift_share: 2 }, /monitoring\.drift_share/],
    [{ windw: 5 }, /monitoring\.windw is not a known setting/],
    [{ payload_log: { dir: '' } }, /monitoring\.payload_log\.dir must be a folder path/],
    [{ payload_log: { sample_rate: 0 } }, /monitoring\.payload_log\.sample_rate must be a number > 0 and ≤ 1/],
    [{ payload_log: { rotate: 1 } }, /monitoring\.payload_log\.rotate is not a known setting/],
  ];
  for (const [given, msg] of bad) t.throws(() => monitored(given), { code: 'BAD_CONFIG', message: msg }, JSON.stringify(given));
  const d = monitored().apis.predict!.monitoring;
  t.same(d, { enabled: true, window: 500, stat_test: 'auto', stat_threshold: 0.1, p_threshold: 0.05, drift_share: 0.5, payload_log: false }, 'the defaults');
  t.same(monitored({ payload_log: true }).apis.predict!.monitoring.payload_log, { dir: 'logs/payload', sample_rate: 1, max_file_bytes: 10485760, max_files: 5, queue_size: 1000 });
});
