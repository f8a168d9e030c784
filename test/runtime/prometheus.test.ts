// A real Prometheus (Debian's binary) scraping a --production bento with 2 workers, every second: what
// the Grafana dashboards query must come out of Prometheus' own API — request counts summed over both
// workers, the service_version label, a healthy target, and a finite p99 from the duration histogram.
import t from 'tap';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeBento, spawnServer, stopServer, type Served } from '../kit/bento.js';
import { expected, matches, randomRecords } from '../kit/model.js';
import { prometheusMissing, startPrometheus, until } from '../kit/prometheus.js';
import { svc } from '../kit/service.js';
import { alone } from '../kit/http.js';

const P = 'BENTOML_activities_model_';
const JOB = 'activities_model';
const GOOD = 7;
const BAD = 3;

const isReady = (l: Record<string, unknown>): boolean => /ready: models loaded/.test(String(l.msg));

t.test('Prometheus scrapes /metrics of a --production bento with 2 workers', { skip: prometheusMissing(), timeout: 90_000 }, async (t) => {
  const bento = await makeBento(svc);
  t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
  const entry = path.join(bento.dir, 'src', 'service.cjs');
  const s: Served = await spawnServer(process.execPath, [entry, '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  const workers = await until('two workers ready', 20_000, async () => {
    const pids = new Set(s.logs.filter(isReady).map((l) => Number(l.pid)));
    return pids.size >= 2 ? [...pids] : undefined;
  });
  t.equal(workers.length, 2, 'two workers ready');

  const target = new URL(s.url).host;
  const prom = await startPrometheus(JOB, target);
  t.teardown(prom.stop);
  const one = async (expr: string): Promise<number | undefined> => (await prom.query(expr))[0]?.value;

  // The first scrape is in (every series at 0) before any request, so rate() has a baseline.
  const up = await until('the first scrape', 15_000, () => one(`up{job="${JOB}"}`));
  t.equal(up, 1, 'the first scrape succeeds', { prometheusLog: prom.log() });

  const records = randomRecords(2);
  const want = expected(bento.forest, records);
  const statuses: number[] = [];
  for (let i = 0; i < GOOD + BAD; i++) {
    // Bad ones at 1, 4, 7: three connections apart, so they land on both workers.
    const bad = i % 3 === 1;
    const r = await alone(`${s.url}/predict`, 'POST', bad ? [{ nope: 1 }] : records);
    statuses.push(r.status);
    if (!bad) t.ok(matches(r.body, want), `request ${i}: the model's predictions`);
  }
  t.same(
    [statuses.filter((x) => x === 200).length, statuses.filter((x) => x === 400).length],
    [GOOD, BAD],
    `${GOOD} answered 200 and ${BAD} answered 400`,
  );
  const badPids = new Set(s.logs.filter((l) => l.code === 'INVALID_INPUT' || l.code === 'BAD_REQUEST').map((l) => Number(l.pid)));
  t.equal(badPids.size, 2, 'the bad requests were answered by both workers (so no single worker saw them all)');

  // Wait (bounded) for a scrape that began a second after the last answer: it must hold every request.
  const done = Date.now() / 1000;
  await until('a scrape after the requests', 30_000, async () => {
    const at = await one(`timestamp(up{job="${JOB}"})`);
    return at !== undefined && at > done + 1 ? at : undefined;
  });

  const sum = (code: string) => one(`sum(${P}request_total{endpoint="/predict",http_response_code="${code}"})`);
  t.equal(await sum('200'), GOOD, 'good requests counted once each, summed over both workers');
  t.equal(await sum('400'), BAD, 'bad requests counted once each, summed over both workers');
  t.equal(
    await one(`sum(${P}request_duration_seconds_count{endpoint="/predict",http_response_code="200"})`),
    GOOD,
    'the duration histogram counts the same requests',
  );

  const series = await prom.query(`${P}request_total{endpoint="/predict"}`);
  t.same(series.map((x) => x.metric.http_response_code).sort(), ['200', '400'], 'one series per response code (not one per worker)');
  for (const x of series) {
    t.equal(x.metric.service_version, bento.version, `service_version on the ${x.metric.http_response_code} series`);
    t.equal(x.metric.job, JOB);
    t.equal(x.metric.instance, target);
  }
  const versions = await prom.query(`count by (service_version) ({__name__=~"${P}.+"})`);
  t.same(versions.map((x) => x.metric.service_version), [bento.version], 'every BENTOML_ series carries the one service_version');

  t.equal(await one(`up{job="${JOB}"}`), 1, 'up == 1');
  t.ok((await one(`scrape_samples_scraped{job="${JOB}"}`))! > 0, 'scrape_samples_scraped > 0');

  const p99 = await one(`histogram_quantile(0.99, sum by (le) (rate(${P}request_duration_seconds_bucket{endpoint="/predict"}[1m])))`);
  t.ok(p99 !== undefined && Number.isFinite(p99) && p99 > 0, `the dashboards' p99 latency is a finite number (${p99})`);

  const targets = (await prom.targets()).filter((x) => x.labels.job === JOB);
  t.equal(targets.length, 1, 'one target for the job');
  t.equal(targets[0]?.scrapeUrl, `${s.url}/metrics`);
  t.equal(targets[0]?.health, 'up', 'target health');
  t.equal(targets[0]?.lastError, '', 'no scrape error');
});
