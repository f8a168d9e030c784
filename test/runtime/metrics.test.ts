// /metrics of one process: the names and labels the monitoring dashboards query, counters present from
// the first scrape, unknown paths folded into one label, and Prometheus' own linter (promtool).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { svc } from '../../service.js';
import { randomRecords } from '../kit/model.js';
import { get, post, sample, start } from '../kit/http.js';
import { promtoolMissing } from '../kit/prometheus.js';

const P = 'BENTOML_activities_model_';

t.test('metrics', async (t) => {
  const s = await start(svc);
  t.teardown(s.close);

  const first = await get(`${s.url}/metrics`);
  t.equal(first.status, 200);
  t.match(first.headers.get('content-type'), /^text\/plain/);
  const zero = { endpoint: '/predict', http_response_code: '200', service_version: 'test' };
  t.equal(sample(first.text, `${P}request_total`, zero), 0, 'the API counter exists at 0 before any request');
  t.equal(sample(first.text, `${P}request_duration_seconds_count`, zero), 0);

  await post(`${s.url}/predict`, randomRecords(3));
  await post(`${s.url}/predict`, randomRecords(2));
  await post(`${s.url}/predict`, [{ nope: 1 }]);
  await get(`${s.url}/wp-login.php`);
  await get(`${s.url}/.env`);
  const text = (await get(`${s.url}/metrics`)).text;

  t.equal(sample(text, `${P}request_total`, zero), 2);
  t.equal(sample(text, `${P}request_total`, { ...zero, http_response_code: '400' }), 1);
  t.equal(sample(text, `${P}request_total`, { endpoint: 'unknown', http_response_code: '404' }), 2, 'unknown paths share one label');
  t.notMatch(text, /wp-login|\.env/, 'raw paths never become labels');
  t.equal(sample(text, `${P}request_duration_seconds_count`, zero), 2);
  t.ok(sample(text, `${P}request_duration_seconds_sum`, zero)! > 0);
  t.equal(sample(text, `${P}request_duration_seconds_bucket`, { ...zero, le: '+Inf' }), 2);
  t.match(text, new RegExp(`# TYPE ${P}request_total counter`));
  t.match(text, new RegExp(`# TYPE ${P}request_duration_seconds histogram`));
  t.match(text, new RegExp(`# TYPE ${P}request_in_progress gauge`));
  t.match(text, new RegExp(`# TYPE ${P}adaptive_batch_size histogram`));
  t.match(text, new RegExp(`# TYPE ${P}inference_duration_seconds histogram`));
  t.ok(sample(text, `${P}inference_duration_seconds_count`, { model: 'regressor' })! >= 2);
  t.equal(sample(text, `${P}request_in_progress`, { endpoint: '/predict' }), 0);
  t.equal(sample(text, `${P}request_in_progress`, { endpoint: '/metrics' }), 1, 'the scrape itself is in progress');
  t.ok(sample(text, 'process_cpu_user_seconds_total') !== undefined, 'process metrics');
  t.ok(sample(text, 'nodejs_heap_size_used_bytes') !== undefined, 'Node metrics');

  t.test('promtool check metrics accepts the exposition', { skip: promtoolMissing() }, async (t) => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    t.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});
