// Monitoring across production workers (a real bento in real child processes, --production --workers 2):
// requests are dealt round-robin, so each worker's window holds about half of the traffic; every scrape,
// whichever worker answers it, must report the figures of the whole service's last N records.
import t from 'tap';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeBento, spawnServer, stopServer, waitForStatus } from '../../kit/bento.js';
import { alone, sample } from '../../kit/http.js';
import { FEATURES } from '../../kit/model.js';
import { svc } from '../../kit/service.js';
import { addReferenceToBento, DISTANCE, traffic } from './reference-kit.js';

const P = 'BENTOML_activities_model_';

const bento = await makeBento(svc);
t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
addReferenceToBento(bento.dir, bento.forest);

/** Sends each record as its own request on its own connection, `parallel` at a time. */
async function sendEach(url: string, records: Array<Record<string, unknown>>, parallel = 4): Promise<void> {
  for (let i = 0; i < records.length; i += parallel) {
    const answers = await Promise.all(records.slice(i, i + parallel).map((r) => alone(`${url}/predict`, 'POST', [r])));
    const bad = answers.find((a) => a.status !== 200);
    if (bad) throw new Error(`predict answered ${bad.status}: ${bad.text}`);
  }
}

t.test('--production with 2 workers: drift on the merged windows', { timeout: 120_000 }, async (t) => {
  const s = await spawnServer(process.execPath, [path.join(bento.dir, 'src', 'service.cjs'), '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);

  const like = traffic(300, 99);
  await sendEach(s.url, like);
  const maxCalories = Math.fround(Math.max(...like.map((r) => r['Calories Burned'] as number))); // as the model sees it
  for (let i = 0; i < 4; i++) {
    const text = (await alone(`${s.url}/metrics`)).text;
    t.equal(sample(text, `${P}request_total`, { endpoint: '/predict', http_response_code: '200' }), 300, `scrape ${i}: 300 requests over both workers`);
    t.equal(sample(text, `${P}monitoring_window_rows`, { api: 'predict' }), 300, `scrape ${i}: the window holds every worker's records`);
    t.equal(sample(text, `${P}data_quality`, { api: 'predict', feature: 'Calories Burned', metric: 'max' }), maxCalories, `scrape ${i}: the maximum over all traffic`);
    t.equal(sample(text, `${P}drifted_features`, { api: 'predict' }), 0, `scrape ${i}: nothing drifted`);
  }

  await sendEach(s.url, traffic(500, 123, 10));
  const scores = new Set<number | undefined>();
  for (let i = 0; i < 4; i++) {
    const text = (await alone(`${s.url}/metrics`)).text;
    t.equal(sample(text, `${P}monitoring_window_rows`, { api: 'predict' }), 500, `scrape ${i}: the last 500 records of the service (each worker saw about 400)`);
    t.equal(sample(text, `${P}drift_detected`, { api: 'predict', feature: DISTANCE, stat_test: 'ks' }), 1, `scrape ${i}: the distance drifted`);
    for (const f of FEATURES.slice(1)) t.equal(sample(text, `${P}drift_detected`, { api: 'predict', feature: f, stat_test: 'ks' }), 0, `scrape ${i}: ${f} did not`);
    t.equal(sample(text, `${P}data_quality`, { api: 'predict', feature: DISTANCE, metric: 'min' }), 10, `scrape ${i}: every record in the window is a shifted one`);
    scores.add(sample(text, `${P}drift_score`, { api: 'predict', feature: DISTANCE, stat_test: 'ks' }));
  }
  t.equal(scores.size, 1, 'every worker answers the same figures');
});
