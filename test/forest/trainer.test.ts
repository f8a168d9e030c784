import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../kit/project.js';
import { predict } from '../../src/forest/forest.js';
import { DEFAULT_FOREST_PARAMS, fitForest, resolveMaxFeatures } from '../../src/forest/trainer.js';
import { meanAbsoluteError } from '../../src/pipeline/metrics.js';
import { loadCatalog } from '../../src/pipeline/catalog.js';
import { readTrainingData } from '../../src/pipeline/pipeline.js';
import { trainValidationTestSplit } from '../../src/pipeline/split.js';
import { CATALOG, PROJECT_DATA, python, sklearnMissing } from '../kit/python.js';

const { data } = await readTrainingData(PROJECT_DATA, await loadCatalog(CATALOG));
const parts = trainValidationTestSplit(data.rows, 0.2, 0.25, 42);
const take = (idx: Int32Array): { x: number[]; y: number[] } => ({
  x: Array.from(idx).flatMap((r) => Array.from(data.x.subarray(r * 5, r * 5 + 5))),
  y: Array.from(idx, (r) => data.y[r]!),
});
const train = take(parts.train);
const val = take(parts.validation);

t.test('deterministic for a seed, different across seeds; importances sum to 1', async (t) => {
  const p = { ...DEFAULT_FOREST_PARAMS, n_estimators: 20, max_depth: 3 };
  let calls = 0;
  const a = fitForest(train.x, train.y, parts.train.length, 5, p, () => calls++);
  const b = fitForest(train.x, train.y, parts.train.length, 5, p);
  const c = fitForest(train.x, train.y, parts.train.length, 5, { ...p, random_state: 7 });
  t.equal(calls, 20, 'one progress call per tree');
  t.equal(a.forest.trees.length, 20);
  const pa = predict(a.forest, val.x, parts.validation.length);
  t.same(Array.from(pa), Array.from(predict(b.forest, val.x, parts.validation.length)));
  t.not(Array.from(pa).join(), Array.from(predict(c.forest, val.x, parts.validation.length)).join());
  t.ok(Math.abs(a.importances.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  for (const tree of a.forest.trees) {
    for (let n = 0; n < tree.feature.length; n++) {
      if (tree.feature[n]! >= 0 && Math.fround(tree.threshold[n]!) !== tree.threshold[n]) t.fail(`threshold ${tree.threshold[n]} is not float32`);
    }
  }
});

t.test('max_features resolves like scikit-learn', async (t) => {
  t.equal(resolveMaxFeatures(1, 5), 5, '1 (1.0) = all');
  t.equal(resolveMaxFeatures(0.5, 5), 2);
  t.equal(resolveMaxFeatures(0.01, 5), 1);
  t.equal(resolveMaxFeatures(3, 5), 3);
  t.equal(resolveMaxFeatures('sqrt', 5), 2);
  t.equal(resolveMaxFeatures('log2', 5), 2);
  t.throws(() => resolveMaxFeatures(0, 5), { name: 'BentoError', code: 'BAD_CONFIG', message: /max_features/ });
  t.throws(() => fitForest([], [], 0, 5, DEFAULT_FOREST_PARAMS), { name: 'BentoError', code: 'BAD_DATA', message: /0 rows/ });
  // fewer features per split still trains, and changes the forest
  const few = fitForest(train.x, train.y, parts.train.length, 5, { ...DEFAULT_FOREST_PARAMS, n_estimators: 10, max_depth: 3, max_features: 0.4 });
  const all = fitForest(train.x, train.y, parts.train.length, 5, { ...DEFAULT_FOREST_PARAMS, n_estimators: 10, max_depth: 3 });
  t.not(Array.from(predict(few.forest, val.x, 10)).join(), Array.from(predict(all.forest, val.x, 10)).join());
});

// Same seeds, same bootstrap draws, same feature order, same split rule: at the depths of the grid the
// trees are scikit-learn's own, so predictions and importances agree to rounding. Deeper trees reach
// small nodes where two features can induce the same partition; which one wins then depends on the
// last bits of sums that scikit-learn accumulates in its own (sort-dependent) order, so they are
// compared on accuracy instead.
t.test('identical to scikit-learn RandomForestRegressor', { skip: sklearnMissing() }, async (t) => {
  const dir = await tempDir(t, 'bento-forest-');
  const file = path.join(dir, 'data.json');
  writeFileSync(file, JSON.stringify({ train, val, nTrain: parts.train.length, nVal: parts.validation.length }));
  const configs = [
    { max_depth: 1, random_state: 41 },
    { max_depth: 3, random_state: 42 },
    { max_depth: 3, random_state: 7, bootstrap: false },
    { max_depth: 2, random_state: 3, max_features: 0.6 },
    { max_depth: null, random_state: 42 },
  ];
  const ref = python<{ pred: number[]; imp: number[] }[]>(`
import json, sys, numpy as np
from sklearn.ensemble import RandomForestRegressor
d = json.load(open(sys.argv[1]))
X = np.array(d["train"]["x"]).reshape(d["nTrain"], 5); y = np.array(d["train"]["y"])
V = np.array(d["val"]["x"]).reshape(d["nVal"], 5)
out = []
for c in json.loads(sys.argv[2]):
    m = RandomForestRegressor(n_estimators=100, **c).fit(X, y)
    out.append({"pred": m.predict(V).tolist(), "imp": m.feature_importances_.tolist()})
print(json.dumps(out))`, file, JSON.stringify(configs));
  configs.forEach((c, i) => {
    const { forest, importances } = fitForest(train.x, train.y, parts.train.length, 5, { ...DEFAULT_FOREST_PARAMS, ...c });
    // scikit-learn predicts on float32 inputs, and so does the ONNX model: round them the same way
    const ours = predict(forest, Float32Array.from(val.x), parts.validation.length);
    const theirs = ref[i]!.pred;
    const name = JSON.stringify(c);
    if (c.max_depth !== null) {
      const diff = Math.max(...theirs.map((p, k) => Math.abs(p - ours[k]!) / Math.max(1, Math.abs(p))));
      t.ok(diff < 1e-9, `${name}: same predictions (max relative diff ${diff})`);
      const impDiff = Math.max(...ref[i]!.imp.map((v, k) => Math.abs(v - importances[k]!)));
      t.ok(impDiff < 1e-9, `${name}: same importances (max diff ${impDiff})`);
    } else {
      const maeOurs = meanAbsoluteError(val.y, ours);
      const maeTheirs = meanAbsoluteError(val.y, theirs);
      t.ok(Math.abs(maeOurs - maeTheirs) / maeTheirs < 0.02, `${name}: validation MAE ${maeOurs.toFixed(3)} vs scikit-learn ${maeTheirs.toFixed(3)}`);
    }
  });
  t.ok(readFileSync(file).length > 0);
});
