import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { trainValidationTestSplit } from '../../src/pipeline/split.js';
import { bento } from '../kit/cli.js';
import { tempDir } from '../kit/project.js';
import { PARAMS, PROJECT_DATA } from '../kit/python.js';
import { activitiesProject } from '../bridge/bridge-process.js';

const ok = async (t: Test, args: string[], cwd: string, home: string): Promise<string> => {
  const r = await bento(args, { cwd, home });
  t.equal(r.code, 0, `bento ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

t.test('bento runs list|get|compare and bento models compare', async (t) => {
  const project = await activitiesProject(t);
  const home = await tempDir(t, 'bento-runs-home-');
  const shallow = path.join(project, 'shallow.yml');
  await fs.writeFile(shallow, readFileSync(PARAMS, 'utf8').replace('max_depth: [1, 2, 3]', 'max_depth: [1]'));
  await ok(t, ['train'], project, home);
  await ok(t, ['train', '--params', shallow], project, home);

  const runs = JSON.parse(await ok(t, ['runs', 'list', '-o', 'json'], project, home));
  t.equal(runs.length, 2, 'one run per training');
  const [second, first] = runs;
  t.equal(second.params.max_depth, 1);
  t.equal(first.cv_results.length, 12);
  t.equal(second.cv_results.length, 4);
  t.equal(first.code, undefined, 'the project is not a git checkout: no code version');
  t.match(first.model, /^activities_regressor:/);
  t.ok(first.metrics.test.mean_absolute_error > 0);

  const got = JSON.parse(await ok(t, ['runs', 'get', first.version.slice(0, 12), '-o', 'json'], project, home));
  t.equal(got.version, first.version, 'a run id prefix resolves');
  const text = await ok(t, ['runs', 'get', `activities_regressor:${first.version}`], project, home);
  t.match(text, /validation: accuracy=/);
  t.match(text, /\* \{"max_depth":\d,"random_state":\d+\}/, 'the grid with the best candidate marked');
  const table = await ok(t, ['runs', 'compare', first.version, second.version], project, home);
  t.match(table, new RegExp(`validation mean_absolute_error\\s+${first.metrics.validation.mean_absolute_error.toFixed(3)}\\s+${second.metrics.validation.mean_absolute_error.toFixed(3)}`));
  t.match(table, /max_depth\s+\d\s+1/);
  t.same(JSON.parse(await ok(t, ['runs', 'compare', first.version, second.version, '-o', 'json'], project, home)).map((r: any) => r.version), [first.version, second.version]);

  // models compare on exactly the validation rows reproduces each model's stored validation figures
  const [header, ...rows] = readFileSync(PROJECT_DATA, 'utf8').trimEnd().split('\n');
  const { validation } = trainValidationTestSplit(rows.length, 0.2, 0.25, 42);
  const valCsv = path.join(project, 'validation.csv');
  await fs.writeFile(valCsv, [header, ...Array.from(validation, (i) => rows[i])].join('\n') + '\n');
  const cmp = JSON.parse(await ok(t, ['models', 'compare', first.model, second.model, '--data', valCsv, '-o', 'json'], project, home));
  t.equal(cmp.rows, 200);
  t.equal(cmp.skipped, 0);
  t.equal(cmp.target, 'Quality');
  for (const [k, run] of [first, second].entries()) {
    t.equal(cmp.models[k].tag, run.model);
    for (const m of ['mean_absolute_error', 'accuracy']) {
      const rel = Math.abs(cmp.models[k].metrics[m] - run.metrics.validation[m]) / Math.abs(run.metrics.validation[m]);
      t.ok(rel < 1e-4, `${run.model} ${m}: ${cmp.models[k].metrics[m]} (onnxruntime) vs ${run.metrics.validation[m]} (trainer)`);
    }
  }
  t.match(await ok(t, ['models', 'compare', first.model, second.model, '--data', valCsv], project, home), /^200 rows of .*validation\.csv \(target Quality\)\n\s+activities_regressor:/);

  for (const [args, pattern] of [
    [['models', 'compare', first.model], /^BAD_ARGUMENT: bento models compare: expected usage/],
    [['models', 'compare', first.model, second.model], /^BAD_ARGUMENT: say which rows/],
    [['models', 'compare', first.model, 'nope', '--data', valCsv], /^TAG_NOT_FOUND: /],
    [['runs', 'get', 'zzzzzz'], /^TAG_NOT_FOUND: no run "zzzzzz"/],
  ] as Array<[string[], RegExp]>) {
    const r = await bento(args, { cwd: project, home });
    t.equal(r.code, 1, args.join(' '));
    t.match(r.stderr, pattern);
  }
});
