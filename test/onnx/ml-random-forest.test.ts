// mlRandomForestToForest: a forest trained by ml-random-forest 2.1 in this process, saved with toJSON(),
// converted, must predict what the library predicts, also as ONNX through onnxruntime.
import t from 'tap';
import { RandomForestRegression } from 'ml-random-forest';
import { predict } from '../../src/forest/forest.js';
import { isMlRandomForestJson, mlRandomForestToForest } from '../../src/onnx/ml-random-forest.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { loadSession, runForest } from '../../src/onnx/session.js';
import { nextDown32 } from '../../src/forest/float32.js';

const N_FEATURES = 4;

function lcg(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** float32-valued rows; column 2 is discrete so split values such as 1.5 are float32 and get hit exactly. */
function data(seed: number, n: number): { X: number[][]; y: number[] } {
  const r = lcg(seed);
  const X = Array.from({ length: n }, () => [Math.fround(r() * 10), Math.fround(r() * 2 - 1), Math.floor(r() * 5), Math.fround(r())]);
  const y = X.map(([a, b, c, d]) => 3 * a! - 20 * b! * b! + 7 * c! + d! + r());
  return { X, y };
}

type SavedModel = ReturnType<RandomForestRegression['toJSON']>;

function train(options: Record<string, unknown>): { rf: RandomForestRegression; saved: SavedModel; X: number[][] } {
  const { X, y } = data(11, 80);
  const rf = new RandomForestRegression({ nEstimators: 8, seed: 5, noOOB: true, treeOptions: { maxDepth: 6 }, ...options } as never);
  rf.train(X, y);
  // What a user saves to disk: plain JSON, no class instances.
  return { rf, saved: JSON.parse(JSON.stringify(rf.toJSON())) as SavedModel, X };
}

/** Training rows, random rows, and rows on every split value and on its float32 neighbours. */
function rowsFor(saved: SavedModel, X: number[][]): number[][] {
  const rows = [...X, ...data(99, 200).X];
  const r = lcg(3);
  type Node = { splitValue?: number; splitColumn?: number; left?: Node; right?: Node };
  const base = (saved as unknown as { baseModel: { indexes: number[][]; estimators: { root: Node }[] } }).baseModel;
  base.estimators.forEach((est, i) => {
    const stack: Node[] = [est.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (!n.left || !n.right) continue;
      const v = Math.fround(n.splitValue!);
      for (const x of [v, nextDown32(v), -nextDown32(-v)]) {
        const row = data(Math.floor(r() * 1e6), 1).X[0]!;
        row[base.indexes[i]![n.splitColumn!]!] = x;
        rows.push(row);
      }
      stack.push(n.left, n.right);
    }
  });
  return rows;
}

const worst = (got: ArrayLike<number>, want: ArrayLike<number>): number => {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1e-12));
  return e;
};

for (const [label, options] of [
  ['all features', {}],
  ['3 of 4 features per estimator', { maxFeatures: 3 }],
  ['2 features drawn with replacement', { maxFeatures: 2, replacement: true }],
] as const) {
  t.test(`predictions equal ml-random-forest (${label})`, async (t) => {
    const { rf, saved, X } = train(options);
    t.ok(isMlRandomForestJson(saved));
    const forest = mlRandomForestToForest(saved, { nFeatures: N_FEATURES });
    t.equal(forest.trees.length, 8);
    const rows = rowsFor(saved, X);
    const want = rf.predict(rows);
    const flat = rows.flat();
    const ours = predict(forest, flat, rows.length);
    t.ok(worst(ours, want) <= 1e-6, `${rows.length} rows: worst relative error ${worst(ours, want).toExponential(2)}`);
    const onTraining = predict(forest, X.flat(), X.length);
    t.ok(worst(onTraining, rf.predict(X)) <= 1e-6, 'training rows');

    // Same through the ONNX file the import stores.
    const session = await loadSession(forestToOnnx(forest));
    const ort = await runForest(session, 'input', Float32Array.from(flat), rows.length, N_FEATURES);
    t.ok(worst(ort, want) <= 1e-4, `onnxruntime: worst relative error ${worst(ort, want).toExponential(2)}`);

    // A model loaded and saved again converts to the same forest; so does the JSON text.
    const again = JSON.parse(JSON.stringify(RandomForestRegression.load(saved).toJSON())) as unknown;
    t.same(predict(mlRandomForestToForest(again, { nFeatures: N_FEATURES }), flat, rows.length), ours);
    t.same(predict(mlRandomForestToForest(JSON.stringify(saved), { nFeatures: N_FEATURES }), flat, rows.length), ours);
  });
}

t.test('a strict split on a float32 split value sends that value right, as ml-cart does', async (t) => {
  const leaf = (d: number) => ({ distribution: d });
  const saved = {
    name: 'RFRegression', selectionMethod: 'mean',
    baseModel: { indexes: [[1, 0]], nEstimators: 1, isClassifier: false,
      estimators: [{ name: 'DTRegression', options: {}, root: { splitColumn: 1, splitValue: 1.5, left: leaf(1), right: leaf(2) } }] },
  };
  const forest = mlRandomForestToForest(saved);
  t.equal(forest.nFeatures, 2, 'feature count defaults to the highest used column + 1');
  // The tree's column 1 is the model's feature 0 (indexes [1, 0]); feature 1 is never read.
  const rows = [[1.5, 0], [nextDown32(1.5), 0], [-nextDown32(-1.5), 0], [0, 1.5], [2, nextDown32(1.5)]];
  t.same(Array.from(predict(forest, rows.flat(), rows.length)), [2, 1, 2, 1, 2]);
  t.same(Array.from(predict(forest, rows.flat(), rows.length)), RandomForestRegression.load(saved as never).predict(rows));
});

t.test('models we refuse, with a reason', async (t) => {
  const { saved } = train({});
  const clone = () => JSON.parse(JSON.stringify(saved)) as Record<string, any>;
  const median = clone(); median.selectionMethod = 'median';
  const classifier = clone(); classifier.name = 'RFClassifier';
  const badSplit = clone(); badSplit.baseModel.estimators[0].root.splitColumn = 9;
  const badLeaf = clone(); badLeaf.baseModel.estimators[0].root = { distribution: [[0.5, 0.5]] };
  const short = clone(); short.baseModel.indexes.pop();
  const cases: [string, unknown, RegExp][] = [
    ['median', median, /selectionMethod is "median"/],
    ['classifier', classifier, /RFClassifier is a classifier/],
    ['bad split column', badSplit, /splitColumn 9/],
    ['classifier leaf', badLeaf, /distribution \[\[0.5,0.5\]\]/],
    ['missing indexes', short, /one column subset per estimator/],
    ['not a model', { hello: 1 }, /RFRegression/],
    ['not JSON', '{oops', /invalid JSON/],
  ];
  for (const [name, json, message] of cases) t.throws(() => mlRandomForestToForest(json), { code: 'BAD_MODEL', message }, name);
  t.throws(() => mlRandomForestToForest(saved, { nFeatures: 2 }), { code: 'BAD_MODEL', message: /use 4 features, 2 given/ });
  t.notOk(isMlRandomForestJson({ name: 'RFRegression' }));
});
