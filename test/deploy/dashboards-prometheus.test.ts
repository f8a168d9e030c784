// Every panel of the bundle's dashboards, queried from a real Prometheus that runs the bundle's own
// config and rules against a real served bento: every query is valid PromQL, and every service panel
// answers with data once traffic has flowed (the data panels answer in test/e2e/monitoring.test.ts).
import t from 'tap';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { planBundle } from '../../src/deploy/bundle.js';
import { loadBentoInfo } from '../../src/bento/bento-yaml.js';
import { makeBento, spawnServer, stopServer } from '../kit/bento.js';
import { randomRecords } from '../kit/model.js';
import { prometheusMissing, until } from '../kit/prometheus.js';
import { svc } from '../kit/service.js';
import { startBundlePrometheus } from './bundle-prometheus.js';
import { writePlan } from './fixture.js';

interface Panel {
  title: string;
  targets: Array<{ expr: string }>;
}

t.test('each dashboard panel\'s query runs against the bundle\'s Prometheus scraping a served bento', { skip: prometheusMissing(), timeout: 120_000 }, async (t) => {
  const fixture = await makeBento(svc);
  t.teardown(() => rmSync(fixture.dir, { recursive: true, force: true }));
  const served = await spawnServer(process.execPath, [path.join(fixture.dir, 'src', 'service.cjs'), '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(served));
  const { dir, remove } = writePlan(planBundle(loadBentoInfo(fixture.dir), 'compose'));
  t.teardown(remove);
  const prom = await startBundlePrometheus(dir, new URL(served.url).host);
  t.teardown(prom.stop);

  const groups = await prom.api<{ groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> }>('rules');
  t.same(groups.groups.map((g) => g.name).sort(), ['bentoml-alerts', 'evidently-compatible'], 'both rule files loaded');
  await until('every rule evaluated', 20_000, async () => {
    const g = await prom.api<{ groups: Array<{ rules: Array<{ health: string }> }> }>('rules');
    return g.groups.every((x) => x.rules.every((r) => r.health === 'ok')) ? true : undefined;
  });
  t.pass('every rule evaluates without error');

  // Prometheus' target discovery takes a few seconds: the first scrape must be in before the traffic.
  await until('the first scrape', 20_000, async () => ((await prom.query('up{job="bentoml"} == 1')).length > 0 ? true : undefined));
  // Traffic over a few scrapes, so rate() and histogram_quantile() have something to say.
  const records = randomRecords(5);
  const end = Date.now() + 4_000;
  while (Date.now() < end) {
    const r = await fetch(`${served.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records) });
    t.equal(r.status, 200);
    await r.arrayBuffer();
    await new Promise((res) => setTimeout(res, 50));
  }
  const after = Date.now() / 1000;
  await until('a scrape after the traffic', 20_000, async () => {
    const [s] = await prom.query('timestamp(up{job="bentoml"})');
    return s && s.value > after + 1 ? true : undefined;
  });

  const dashboards = readdirSync(path.join(dir, 'grafana/dashboards')).map((f) => JSON.parse(readFileSync(path.join(dir, 'grafana/dashboards', f), 'utf8')) as { uid: string; panels: Panel[] });
  for (const d of dashboards) {
    const service = d.uid.endsWith('-service');
    for (const p of d.panels) {
      for (const { expr } of p.targets) {
        const got = await prom.query(expr);
        t.ok(Array.isArray(got), `${d.uid} / ${p.title}: ${expr} is accepted`);
        if (service) t.ok(got.length > 0 && got.some((s) => Number.isFinite(s.value)), `${p.title}: ${expr} answers with data`, { got, log: prom.log() });
      }
    }
  }
});
