import t from 'tap';
import { RandomForestRegression } from 'ml-random-forest';
import { predict, predictRow, type Tree } from '../../src/forest/forest.js';
import { DEFAULT_FOREST_PARAMS, fitForest, type ForestParams } from '../../src/forest/trainer.js';
import { MT19937 } from '../../src/forest/random.js';
import { nextDown32, splitThreshold } from '../../src/forest/float32.js';

/** One tree on all rows (no bootstrap), all features: a plain CART tree. */
function cart(x: number[][], y: number[], params: Partial<ForestParams> = {}): Tree {
  const flat = x.flat();
  const { forest } = fitForest(flat, y, x.length, x[0]!.length, { ...DEFAULT_FOREST_PARAMS, n_estimators: 1, bootstrap: false, ...params });
  return forest.trees[0]!;
}

const nodes = (tree: Tree): [number, number, number][] => Array.from(tree.feature, (f, n) => [f, tree.threshold[n]!, tree.value[n]!]);

t.test('known splits on tiny data', async (t) => {
  // one feature, two groups: the split sits halfway between 2 and 3
  const a = cart([[1], [2], [3], [4]], [1, 1, 5, 5]);
  t.same(nodes(a), [[0, 2.5, 3], [-1, 0, 1], [-1, 0, 5]]);
  t.same([a.left[0], a.right[0]], [1, 2]);

  // the informative feature wins; depth-first node order (left subtree first) like scikit-learn
  const b = cart([[0, 9], [1, 3], [2, 8], [3, 1], [4, 7], [5, 2]], [10, 10, 10, 30, 30, 50]);
  t.equal(b.feature[0], 0, 'root splits on feature 0');
  t.equal(b.threshold[0], 2.5, 'between 2 and 3');
  t.same(Array.from(b.value).map((v) => Math.round(v * 1000) / 1000), [23.333, 10, 36.667, 30, 50]);
  t.same(Array.from(b.feature), [0, -1, 0, -1, -1]);
  t.equal(b.threshold[2], 4.5);

  // max_depth bounds the depth; without it, leaves are pure
  const deep = cart([[1], [2], [3], [4], [5]], [1, 2, 3, 4, 5]);
  t.equal(deep.feature.filter((f) => f < 0).length, 5, 'one leaf per distinct row');
  const stump = cart([[1], [2], [3], [4], [5]], [1, 2, 3, 4, 5], { max_depth: 1 });
  t.equal(stump.feature.length, 3);
  // the best stump for 1..5: {1,2} | {3,4,5} and {1,2,3} | {4,5} tie; the first position wins
  t.equal(stump.threshold[0], 2.5);
});

t.test('min_samples_leaf, min_samples_split and constant features', async (t) => {
  const x = [[1], [2], [3], [4], [5], [6]];
  const y = [0, 100, 100, 100, 100, 100];
  t.equal(cart(x, y, { max_depth: 1 }).threshold[0], 1.5, 'isolates the outlier');
  t.equal(cart(x, y, { max_depth: 1, min_samples_leaf: 2 }).threshold[0], 2.5, 'but not below 2 rows per leaf');
  t.equal(cart(x, y, { min_samples_split: 7 }).feature.length, 1, 'too few rows to split: one leaf');
  const constant = cart([[7, 1], [7, 2], [7, 3], [7, 4]], [1, 2, 3, 4]);
  t.notOk(Array.from(constant.feature).includes(0), 'a constant feature is never used');
  const flat = cart([[1], [1], [1]], [1, 2, 3]);
  t.same(nodes(flat), [[-1, 0, 2]], 'nothing to split on: a single leaf with the mean');
  const pure = cart([[1], [2], [3]], [4, 4, 4]);
  t.equal(pure.feature.length, 1, 'a pure node is a leaf');
});

t.test('thresholds are float32-exact and keep left ≤ t < right', async (t) => {
  const a = Math.fround(1000.1);
  const b = Math.fround(a + 5e-5); // the next float32 after a: their midpoint is not a float32
  t.ok(b > a);
  const th = splitThreshold(a, b);
  t.equal(th, a, 'rounded down to a, never up to b');
  const tree = cart([[a], [b]], [0, 1]);
  t.equal(tree.threshold[0], a);
  t.equal(Math.fround(tree.threshold[0]!), tree.threshold[0]);
  t.equal(predictRow({ nFeatures: 1, trees: [tree] }, [a]), 0);
  t.equal(predictRow({ nFeatures: 1, trees: [tree] }, [b]), 1);

  const rng = new MT19937(5);
  let bad = 0;
  for (let i = 0; i < 20000; i++) {
    const scale = 10 ** rng.randint(-6, 9);
    const u = Math.fround((rng.random() - 0.3) * scale);
    const v = i % 3 === 0 ? Math.fround(u + Math.abs(u) * 1e-7 + 1e-30) : Math.fround((rng.random() - 0.3) * scale);
    if (u === v) continue;
    const [lo, hi] = u < v ? [u, v] : [v, u];
    const th2 = splitThreshold(lo, hi);
    const mid = lo / 2 + hi / 2;
    // float32 inputs branch as on scikit-learn's double midpoint, for the bounds and for their neighbours
    const probes = [lo, hi, th2, nextDown32(th2), Math.fround(mid), nextDown32(hi)];
    const sameBranches = probes.every((x) => x <= th2 === x <= mid);
    if (Math.fround(th2) !== th2 || !(lo <= th2 && th2 < hi) || !sameBranches) bad++;
  }
  t.equal(bad, 0, 'every random pair gives a float32 threshold with lo ≤ t < hi, branching like the midpoint');
  t.equal(nextDown32(1), Math.fround(1 - 2 ** -24));
  t.equal(nextDown32(-1), Math.fround(-1 - 2 ** -23));
});

/**
 * Random rows with integer features (their midpoints are exact in float32 and in doubles) and
 * continuous targets. Probe rows sit at a quarter past an integer, never on a threshold, where
 * ml-cart's `x < t` and our `x <= t` would disagree.
 */
function smallData(rows: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new MT19937(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const r = [rng.randint(0, 1000), rng.randint(0, 1000), rng.randint(0, 1000)];
    x.push(r);
    y.push((r[0]! > 500 ? 50 : 0) + r[1]! * 0.1 + rng.random() * 10);
  }
  return { x, y };
}

// ml-cart (the tree of ml-random-forest) is an exhaustive CART too: for every node it tries each
// boundary between sorted values, splits on `x < (a + b) / 2` and keeps the lowest summed squared
// error, which is our highest proxy improvement. With distinct targets, all features, no bootstrap,
// the same depth and its minNumSamples = 3 (a node of ≤ 3 rows is a leaf, our min_samples_split = 4),
// both must grow the same partition and give the same predictions. Its search is quadratic, so the
// data stays small.
t.test('same trees as ml-cart (ml-random-forest\'s tree) on small data', async (t) => {
  for (const seed of [1, 2, 3]) {
    const { x, y } = smallData(80, seed);
    // one ml-cart tree on all rows and all columns (ml-random-forest may permute the columns: map them back)
    const rf = new RandomForestRegression({ nEstimators: 1, maxFeatures: 1.0, replacement: false, useSampleBagging: false, seed, treeOptions: { maxDepth: 3, minNumSamples: 3 } });
    rf.train(x, y);
    const internals = rf as unknown as { estimators: { root: { splitColumn: number; splitValue: number } }[]; indexes: number[][] };
    const theirs = { predict: (rows: number[][]) => rf.predict(rows) as number[] };
    const root = internals.estimators[0]!.root;
    const ours = cart(x, y, { max_depth: 3, min_samples_split: 4 });
    t.equal(ours.feature[0], internals.indexes[0]![root.splitColumn], `seed ${seed}: same root feature`);
    t.equal(ours.threshold[0], root.splitValue, `seed ${seed}: same root threshold`);
    const forest = { nFeatures: 3, trees: [ours] };
    const probe = smallData(200, seed + 100).x.map((r) => r.map((v) => v + 0.25));
    const oursPred = predict(forest, [...x, ...probe].flat(), x.length + probe.length);
    const theirPred = theirs.predict([...x, ...probe]);
    const maxDiff = Math.max(...theirPred.map((p, i) => Math.abs(p - oursPred[i]!)));
    t.ok(maxDiff < 1e-9, `seed ${seed}: same predictions on training and new rows (max diff ${maxDiff})`);
  }
});

t.test('same predictions as ml-random-forest without bagging', async (t) => {
  const { x, y } = smallData(60, 9);
  const rf = new RandomForestRegression({
    nEstimators: 3,
    maxFeatures: 1.0,
    replacement: false,
    useSampleBagging: false,
    seed: 3,
    treeOptions: { maxDepth: 2, minNumSamples: 3 },
  });
  rf.train(x, y);
  const ours = fitForest(x.flat(), y, x.length, 3, { ...DEFAULT_FOREST_PARAMS, n_estimators: 3, bootstrap: false, max_depth: 2, min_samples_split: 4 });
  const probe = smallData(100, 10).x.map((r) => r.map((v) => v + 0.25));
  const theirs = rf.predict(probe) as number[];
  const mine = predict(ours.forest, probe.flat(), probe.length);
  t.ok(Math.max(...theirs.map((p, i) => Math.abs(p - mine[i]!))) < 1e-9, 'equal predictions on new rows');
});
