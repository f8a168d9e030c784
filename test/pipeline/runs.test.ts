import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { getDataset, listDatasets } from '../../src/datasets/dataset-store.js';
import { trainOnData } from '../../src/datasets/train.js';
import { predict } from '../../src/forest/forest.js';
import { getModel } from '../../src/models/model-store.js';
import { loadCatalog } from '../../src/pipeline/catalog.js';
import { regressionMetrics } from '../../src/pipeline/metrics.js';
import { readTrainingData } from '../../src/pipeline/pipeline.js';
import { codeVersion, getRun, listRuns } from '../../src/pipeline/runs.js';
import { takeRows, trainValidationTestSplit } from '../../src/pipeline/split.js';
import { rejectsWith } from '../kit/helpers.js';
import { ROOT, tempDir, tempHome } from '../kit/project.js';
import { CATALOG, PROJECT_DATA } from '../kit/python.js';

const conf = path.dirname(CATALOG);

t.test('every training records a run: grid, CV, validation and test metrics, data and code versions, its model', async (t) => {
  await tempHome(t);
  const { info, result, run } = await trainOnData({ project: ROOT, conf });
  t.equal(info.run, `activities_regressor:${run.version}`, 'the model names its run');
  t.equal(run.model, `activities_regressor:${info.version}`, 'the run names its model');
  t.same(run.metrics.validation, info.metrics, 'validation metrics are the model\'s');
  t.equal(run.cv_results.length, 12, 'the whole grid with its CV scores');
  t.same(run.cv_results, result.cvResults);
  t.equal(run.search.best_index, result.search.bestIndex);
  t.equal(run.params.max_depth, info.params.max_depth);
  t.ok(run.duration_s > 0 && Date.parse(run.creation_time) <= Date.parse(info.creation_time));

  // the test split's metrics, computed here independently: the rows training held out
  const catalog = await loadCatalog(CATALOG);
  const { data } = await readTrainingData(PROJECT_DATA, catalog);
  const parts = trainValidationTestSplit(data.rows, 0.2, 0.25, 42);
  const test = takeRows(data.x, data.y, 5, parts.test);
  t.same(run.metrics.test, regressionMetrics(test.y, predict(result.forest, Float32Array.from(test.x), parts.test.length)));
  t.not(run.metrics.test.mean_absolute_error, run.metrics.validation.mean_absolute_error);

  // the data file became a dataset version: the same digest the model recorded
  const ds = await getDataset(run.data.dataset!);
  t.equal(ds.info.digest, info.training_data!.digest);
  t.equal(run.data.digest, ds.info.digest);
  t.same([run.data.rows, run.data.train_rows, run.data.validation_rows, run.data.test_rows], [1000, 600, 200, 200]);
  // the code version: this checkout's commit
  t.match(run.code, { commit: /^[0-9a-f]{40}$/, dirty: Boolean });
  const stored = await getRun(run.version.slice(0, 12));
  t.same(stored.info.charts, ['feature_importance.svg', 'residuals.svg']);
  t.equal(await fs.readFile(path.join(stored.dir, 'residuals.svg'), 'utf8'), result.charts['residuals.svg']);

  // training on the stored version records that version and adds nothing
  const again = await trainOnData({ project: ROOT, conf, dataset: 'data' });
  t.equal(again.run.data.dataset, run.data.dataset);
  t.equal((await listDatasets()).length, 1);
  t.same(again.run.metrics, run.metrics, 'same data, same parameters: same figures');
  t.equal((await listRuns('activities_regressor')).length, 2);
  t.equal((await getRun('activities_regressor')).info.version, again.run.version, 'a model name resolves to its newest run');
  t.equal((await getModel(again.run.model!)).info.run, `activities_regressor:${again.run.version}`);
  await rejectsWith(t, getRun('zzzz'), 'TAG_NOT_FOUND');
  await rejectsWith(t, trainOnData({ project: ROOT, conf, dataset: 'data', dataPath: PROJECT_DATA }), 'BAD_ARGUMENT', /exclusive/);
});

t.test('outside git there is no code version; a flag-described CSV gets an inferred schema', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t, 'bento-nogit-');
  t.equal(await codeVersion(dir), undefined);
  const csv = path.join(dir, 'Houses.csv');
  const rows = ['rooms,area,price', ...Array.from({ length: 40 }, (_, i) => `${(i % 5) + 1},${50 + i * 3},${100 + i * 7 + (i % 3)}`)];
  await fs.writeFile(csv, rows.join('\n') + '\n');
  const { run } = await trainOnData({ project: dir, dataPath: csv, target: 'price' });
  t.equal(run.code, undefined);
  t.equal(run.name, 'houses');
  const ds = await getDataset(run.data.dataset!);
  t.equal(ds.info.schema.source, 'inferred');
  t.equal(ds.info.name, 'houses');
  t.ok(readFileSync(path.join(home, 'runs', 'houses', run.version, 'run.yaml'), 'utf8').includes('test:'));
});
