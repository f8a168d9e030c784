// Prometheus' own promtool on a written bundle: the config and both rule files load, and the unit tests
// shipped beside the rules pass — and fail when a rule has the original's semantics.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { planBundle } from '../../src/deploy/bundle.js';
import { promtoolMissing } from '../kit/prometheus.js';
import { bentoInfo, writePlan } from './fixture.js';

const promtool = (cwd: string, ...args: string[]): { code: number | null; out: string } => {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

for (const [label, opts] of [['defaults', {}], ['a shortened for: 5s', { alertFor: '5s' }], ['a long for: 5m', { alertFor: '5m' }]] as const) {
  t.test(`promtool accepts the bundle's Prometheus files (${label})`, { skip: promtoolMissing() }, async (t) => {
    const { dir, remove } = writePlan(planBundle(bentoInfo(), 'compose', opts));
    t.teardown(remove);
    const prom = path.join(dir, 'prometheus');
    const config = promtool(prom, 'check', 'config', 'prometheus.yml');
    t.equal(config.code, 0, config.out);
    t.match(config.out, /2 rule files found/);
    const rules = promtool(prom, 'check', 'rules', 'rules/recording.yml', 'rules/alerts.yml');
    t.equal(rules.code, 0, rules.out);
    const tests = promtool(prom, 'test', 'rules', 'rules/tests.yml');
    t.equal(tests.code, 0, tests.out);
    t.match(tests.out, /SUCCESS/);
  });
}

t.test('the rule tests fail on the original rules\' mistakes', { skip: promtoolMissing() }, async (t) => {
  const { dir, remove } = writePlan(planBundle(bentoInfo(), 'compose'));
  t.teardown(remove);
  const alerts = path.join(dir, 'prometheus/rules/alerts.yml');
  const good = readFileSync(alerts, 'utf8');
  const mistakes: Array<[string, RegExp, string]> = [
    ['TargetDrift on "drift > 0" (a p-value)', /evidently:cat_target_drift:drift\{stat_test="ks"\} < [0-9.]+/, 'evidently:cat_target_drift:drift{stat_test="ks"} > 0'],
    ['HighCPUseconds on the raw counter', /rate\(process_cpu_seconds_total\{job="bentoml"\}\[2m\]\) > 0.8/, 'process_cpu_seconds_total{job="bentoml"} > 80'],
    ['shedding counted as errors', /http_response_code!="503"/, 'http_response_code!="0"'],
  ];
  for (const [what, from, to] of mistakes) {
    t.match(good, from, `the rule to break is there: ${what}`);
    writeFileSync(alerts, good.replace(from, to));
    const r = promtool(path.join(dir, 'prometheus'), 'test', 'rules', 'rules/tests.yml');
    t.not(r.code, 0, `${what}: the unit tests fail`);
  }
  writeFileSync(alerts, good);
  t.equal(promtool(path.join(dir, 'prometheus'), 'test', 'rules', 'rules/tests.yml').code, 0, 'and pass again once repaired');
});

const amtoolMissing = (): string | false =>
  spawnSync('amtool', ['--version']).error ? 'amtool is not installed (Debian package prometheus-alertmanager)' : false;

t.test('amtool accepts the Alertmanager config and routes every alert to the webhook', { skip: amtoolMissing() }, async (t) => {
  const { dir, remove } = writePlan(planBundle(bentoInfo(), 'compose'));
  t.teardown(remove);
  const file = path.join(dir, 'alertmanager/alertmanager.yml');
  const run = (...args: string[]): { code: number | null; out: string; stdout: string } => {
    const r = spawnSync('amtool', args, { encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
  };
  const check = run('check-config', file);
  t.equal(check.code, 0, check.out);
  t.match(check.out, /1 receivers/);
  for (const alert of ['InstanceDown', 'FeaturesDrift', 'PredictionDrift']) {
    const routed = run('config', 'routes', 'test', `--config.file=${file}`, `alertname=${alert}`);
    t.equal(routed.code, 0, routed.out);
    t.equal(routed.stdout.trim(), 'webhook', `${alert} goes to the webhook receiver`);
  }
  writeFileSync(file, readFileSync(file, 'utf8').replace('receiver: webhook', 'receiver: nobody'));
  t.not(run('check-config', file).code, 0, 'a route to an unknown receiver is refused (the check can fail)');
});

t.test('the Kubernetes PrometheusRule carries rules promtool accepts', { skip: promtoolMissing() }, async (t) => {
  const { dir, remove } = writePlan(planBundle(bentoInfo(), 'kubernetes'));
  t.teardown(remove);
  const rule = YAML.parse(readFileSync(path.join(dir, 'kubernetes/prometheusrule.yaml'), 'utf8')) as { spec: { groups: unknown[] } };
  writeFileSync(path.join(dir, 'operator-rules.yml'), YAML.stringify({ groups: rule.spec.groups }));
  const r = promtool(dir, 'check', 'rules', 'operator-rules.yml');
  t.equal(r.code, 0, r.out);
  t.match(r.out, /18 rules found/);
});
