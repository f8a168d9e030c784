// The end to end: a model trained and a bento built by the CLI, served; `bento deploy` writes the
// bundle; a real Prometheus runs the bundle's own config and rules (intervals shortened, `for:` 5 s) and
// scrapes the service. Traffic drawn like the reference, then traffic with the distance shifted by 10 km:
// the shifted feature is reported drifted and no other, every query of the original dashboards answers,
// and the features-drift alert becomes active.
import t from 'tap';
import path from 'node:path';
import { ORIGINAL_DASHBOARD_QUERIES, originalTrafficQueries } from '../../src/deploy/rules.js';
import { spawnServer, stopServer } from '../kit/bento.js';
import { bento } from '../kit/cli.js';
import { ACTIVITIES_FIXTURE, ROOT, tempDir } from '../kit/project.js';
import { prometheusMissing, until } from '../kit/prometheus.js';
import { startBundlePrometheus, type BundlePrometheus } from '../deploy/bundle-prometheus.js';
import { dataRecords, DISTANCE, trainActivities } from '../deploy/trained-model.js';

const CLI = path.join(ROOT, 'bin/bento.mjs');
const P = 'BENTOML_activities_model_';
const WINDOW = 500;

/**
 * Waits for a scrape that began after now, then for every rule group to have evaluated after that scrape
 * was seen (bounded): what Prometheus answers next, recorded series included, covers everything sent. A
 * CI run once read a recording rule evaluated just before the scrape it waited for.
 */
async function scrapedAfterNow(prom: BundlePrometheus): Promise<void> {
  const now = Date.now() / 1000;
  await until('a scrape after the traffic', 20_000, async () => {
    const [s] = await prom.query('timestamp(up{job="bentoml"})');
    return s && s.value > now + 1 ? true : undefined;
  });
  const seen = Date.now();
  await until('the rules evaluated after that scrape', 20_000, async () => {
    const { groups } = await prom.api<{ groups: Array<{ name: string; lastEvaluation: string }> }>('rules');
    return groups.length > 0 && groups.every((g) => Date.parse(g.lastEvaluation) > seen) ? true : undefined;
  });
}

t.test('monitoring end to end: drift in the service, seen through the bundle\'s Prometheus rules', { skip: prometheusMissing(), timeout: 240_000 }, async (t) => {
  const home = await tempDir(t);
  await trainActivities(home, (m) => t.comment(m));
  const built = await bento(['build', '--project', ACTIVITIES_FIXTURE], { home });
  t.equal(built.code, 0, built.stderr);
  const tag = built.stdout.trim();
  const bundle = path.join(home, 'bundle');
  const deployed = await bento(['deploy', tag, '--target', 'compose', '-o', bundle, '--alert-for', '5s'], { home });
  t.equal(deployed.code, 0, deployed.stderr);

  const served = await spawnServer(process.execPath, [CLI, 'serve', tag, '--port', '0', '--host', '127.0.0.1'], { BENTO_HOME: home });
  // SIGTERM, so the CLI stops the server it started (a SIGKILL would leave that child behind).
  t.teardown(async () => {
    served.child.kill('SIGTERM');
    const late = setTimeout(() => void stopServer(served), 15_000);
    await served.exited;
    clearTimeout(late);
  });
  const prom = await startBundlePrometheus(bundle, new URL(served.url).host);
  t.teardown(prom.stop);
  await until('the first scrape', 20_000, async () => ((await prom.query('up{job="bentoml"} == 1')).length > 0 ? true : undefined));

  const post = async (records: unknown[]): Promise<void> => {
    for (let i = 0; i < records.length; i += 25) {
      const r = await fetch(`${served.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records.slice(i, i + 25)) });
      t.equal(r.status, 200, `batch ${i / 25}`);
      await r.arrayBuffer();
    }
  };
  const byFeature = async (expr: string): Promise<Record<string, number>> =>
    Object.fromEntries((await prom.query(expr)).map((s) => [s.metric.feature!, s.value]));

  // 1. Traffic drawn like the reference: a full window of the project's data.
  await post(dataRecords(0, WINDOW));
  await scrapedAfterNow(prom);
  const calm = await byFeature('evidently:data_drift:value');
  t.equal(Object.keys(calm).length, 5, 'a drift value per feature, under the original name', { calm });
  t.same((await prom.query('evidently:data_drift:n_drifted_features')).map((s) => s.value), [0], 'nothing drifted on reference-like traffic', { calm });
  t.same((await prom.query('evidently:cat_target_drift:count')).map((s) => s.value), [WINDOW], 'the window is full');

  // 2. The distance shifted by 10 km, a whole window of it.
  await post(dataRecords(0, WINDOW, 10));
  await scrapedAfterNow(prom);
  const detected = await byFeature(`${P}drift_detected`);
  t.same(detected, { [DISTANCE]: 1, 'Average Speed (km/h)': 0, 'Calories Burned': 0, 'Climb (m)': 0, 'Average Heart rate (tpm)': 0 }, 'the shifted feature drifted, and no other');
  const values = await byFeature('evidently:data_drift:value');
  t.ok(values[DISTANCE]! < 0.05, `the distance's KS p-value ${values[DISTANCE]} is below 0.05`);
  t.same((await prom.query('evidently:data_drift:n_drifted_features')).map((s) => s.value), [1]);
  t.same((await prom.query('evidently:data_drift:dataset_drift')).map((s) => s.value), [0], 'one feature of five: no dataset drift');

  for (const expr of [...ORIGINAL_DASHBOARD_QUERIES, ...originalTrafficQueries(P)]) {
    const got = await prom.query(expr);
    t.ok(got.length > 0 && got.every((s) => Number.isFinite(s.value)), `the original dashboards' ${expr} answers`, { got });
  }

  const alert = await until('FeaturesDrift to fire', 60_000, async () => {
    const { alerts } = await prom.api<{ alerts: Array<{ labels: Record<string, string>; state: string }> }>('alerts');
    return alerts.find((a) => a.labels.alertname === 'FeaturesDrift' && a.state === 'firing');
  });
  t.equal(alert.labels.api, 'predict', 'FeaturesDrift fires for the predict API');
  const { alerts } = await prom.api<{ alerts: Array<{ labels: Record<string, string>; state: string }> }>('alerts');
  t.notOk(alerts.some((a) => a.labels.alertname === 'DatasetDrift'), 'DatasetDrift does not (1 of 5 features)');
  t.notOk(alerts.some((a) => a.labels.alertname === 'InstanceDown'), 'the instance is up');
});
