// `bento deploy` through the CLI, on a real bento folder: the bundle lands where -o says (and only there,
// whole), its README and rules are there, and a user's mistakes are one line and exit 1.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { makeBento } from '../kit/bento.js';
import { bento } from '../kit/cli.js';
import { tempDir } from '../kit/project.js';
import { svc } from '../kit/service.js';

t.test('bento deploy writes a compose and a Kubernetes bundle around a bento', async (t) => {
  const home = await tempDir(t);
  const fixture = await makeBento(svc, { root: home });
  t.teardown(() => rmSync(fixture.dir, { recursive: true, force: true }));

  const out = path.join(home, 'deploy', 'compose');
  const r = await bento(['deploy', fixture.dir, '--target', 'compose', '-o', out, '--port', '3005'], { home });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.trim(), out, 'prints the bundle folder (and nothing else in a pipe)');
  const compose = YAML.parse(readFileSync(path.join(out, 'compose.yaml'), 'utf8'));
  t.equal(compose.services.bento.image, `activities_model:${fixture.version}`);
  t.same(compose.services.bento.ports, ['${BENTOML_PORT:-3005}:3005']);
  for (const f of ['README.md', 'prometheus/prometheus.yml', 'prometheus/rules/tests.yml', 'alertmanager/alertmanager.yml']) {
    t.ok(existsSync(path.join(out, f)), `${f} written`);
  }
  t.same(readdirSync(path.dirname(out)), ['compose'], 'no temporary folder left beside it');

  const k8s = path.join(home, 'deploy', 'k8s');
  const k = await bento(['deploy', fixture.dir, '--target', 'kubernetes', '-o', k8s, '--image', 'registry.local/am:1', '--replicas', '4'], { home });
  t.equal(k.code, 0, k.stderr);
  const dep = YAML.parse(readFileSync(path.join(k8s, 'kubernetes/deployment.yaml'), 'utf8'));
  t.equal(dep.spec.template.spec.containers[0].image, 'registry.local/am:1');
  t.equal(dep.spec.replicas, 4);
  t.notOk(existsSync(path.join(k8s, 'compose.yaml')));
});

t.test('bento deploy: mistakes are one line and exit 1', async (t) => {
  const home = await tempDir(t);
  const fixture = await makeBento(svc, { root: home });
  t.teardown(() => rmSync(fixture.dir, { recursive: true, force: true }));
  const full = path.join(home, 'full');
  mkdirSync(full);
  writeFileSync(path.join(full, 'keep.txt'), 'mine');
  const cases: Array<[string[], RegExp]> = [
    [['deploy', fixture.dir, '-o', 'x'], /BAD_ARGUMENT: bento deploy needs --target compose\|kubernetes/],
    [['deploy', fixture.dir, '--target', 'swarm', '-o', 'x'], /BAD_ARGUMENT: --target "swarm": expected compose or kubernetes/],
    [['deploy', fixture.dir, '--target', 'compose'], /BAD_ARGUMENT: bento deploy needs -o DIR/],
    [['deploy', fixture.dir, '--target', 'compose', '-o', full], /ALREADY_EXISTS: -o .*full is not empty \(pass --force to replace it\)/],
    [['deploy', fixture.dir, '--target', 'compose', '-o', 'y', '--port', 'http'], /BAD_ARGUMENT: --port must be a whole number/],
    [['deploy', fixture.dir, '--target', 'compose', '-o', 'y', '--alert-for', 'soon'], /BAD_ARGUMENT: --alert-for "soon"/],
    [['deploy', 'no_such_bento', '--target', 'compose', '-o', 'y'], /TAG_NOT_FOUND|no bento/],
  ];
  for (const [args, err] of cases) {
    const r = await bento(args, { home });
    t.equal(r.code, 1, `${args.slice(2).join(' ')}: exit 1`);
    t.match(r.stderr, err);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  t.equal(readFileSync(path.join(full, 'keep.txt'), 'utf8'), 'mine', 'a non-empty folder is left alone');
  t.notOk(existsSync(path.join(home, 'x')) || existsSync(path.join(home, 'y')), 'nothing written on a mistake');
  const forced = await bento(['deploy', fixture.dir, '--target', 'compose', '-o', full, '--force'], { home });
  t.equal(forced.code, 0, forced.stderr);
  t.notOk(existsSync(path.join(full, 'keep.txt')), '--force replaces it');
  t.ok(existsSync(path.join(full, 'compose.yaml')));
});
