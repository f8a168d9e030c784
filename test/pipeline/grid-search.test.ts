import t from 'tap';
import { predict } from '../../src/forest/forest.js';
import { DEFAULT_FOREST_PARAMS, fitForest } from '../../src/forest/trainer.js';
import { gridSearch, parameterGrid } from '../../src/pipeline/grid-search.js';
import { MT19937 } from '../../src/forest/random.js';

t.test('parameterGrid follows scikit-learn order (keys sorted, last varies fastest)', async (t) => {
  t.same(parameterGrid({ random_state: [41, 42], max_depth: [1, 2, 3] }), [
    { max_depth: 1, random_state: 41 },
    { max_depth: 1, random_state: 42 },
    { max_depth: 2, random_state: 41 },
    { max_depth: 2, random_state: 42 },
    { max_depth: 3, random_state: 41 },
    { max_depth: 3, random_state: 42 },
  ]);
  t.same(parameterGrid({}), [{}], 'an empty grid is one candidate: the fixed parameters');
});

function data(rows: number): { x: Float64Array; y: Float64Array } {
  const rng = new MT19937(11);
  const x = new Float64Array(rows * 2);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    x[i * 2] = rng.randint(0, 100);
    x[i * 2 + 1] = rng.randint(0, 100);
    y[i] = x[i * 2]! * x[i * 2 + 1]! / 10 + rng.random();
  }
  return { x, y };
}

t.test('picks the lowest mean CV MAE, reports every candidate, refits on all rows', async (t) => {
  const { x, y } = data(120);
  const progress: [number, number][] = [];
  const base = { ...DEFAULT_FOREST_PARAMS, n_estimators: 10 };
  const r = gridSearch({ x, y, rows: 120, nFeatures: 2, base, grid: { max_depth: [1, 4], random_state: [1, 2] }, folds: 4, onProgress: (d, n) => progress.push([d, n]) });
  t.equal(progress.length, 4 * 4 + 1, 'one call per fit plus the refit');
  t.same(progress.at(-1), [17, 17]);
  t.equal(r.results.length, 4);
  for (const c of r.results) {
    t.equal(c.foldMae.length, 4);
    t.ok(Math.abs(c.meanMae - c.foldMae.reduce((a, b) => a + b) / 4) < 1e-12);
  }
  const best = r.results[r.bestIndex]!;
  t.equal(best.rank, 1);
  t.ok(r.results.every((c) => c.meanMae >= best.meanMae));
  t.equal(r.best.max_depth, 4, 'the deeper trees fit a product better');
  t.same(r.best, { ...base, ...best.params });
  // the refit is a forest of the best parameters on all 120 rows
  const direct = fitForest(x, y, 120, 2, r.best);
  t.same(Array.from(predict(r.refit.forest, Float32Array.from(x), 120)), Array.from(predict(direct.forest, Float32Array.from(x), 120)));
});

t.test('ties go to the first candidate in grid order', async (t) => {
  const { x, y } = data(50);
  // n_estimators does not change a forest without bootstrap: every candidate scores the same
  const base = { ...DEFAULT_FOREST_PARAMS, bootstrap: false, max_depth: 2 };
  const r = gridSearch({ x, y, rows: 50, nFeatures: 2, base, grid: { n_estimators: [3, 1, 2] }, folds: 5 });
  t.same(r.results.map((c) => c.rank), [1, 1, 1]);
  t.equal(r.bestIndex, 0);
  t.equal(r.best.n_estimators, 3);
});
