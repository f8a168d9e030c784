/**
 * Random-forest regression trained like scikit-learn's `RandomForestRegressor`: each tree's seed is
 * drawn from `RandomState(random_state)`, its bootstrap sample is `RandomState(seed).randint(0, n, n)`
 * (as per-row counts) and its splitter RNG is seeded from a fresh `RandomState(seed)`. With the same
 * data and parameters the trees (and so the predictions) are scikit-learn's.
 */
import { BentoError } from '../errors.js';
import type { Forest, Tree } from './forest.js';
import { INT32_MAX, MT19937, RandR } from './random.js';
import { prepare, TreeGrower, type PreparedData } from './tree.js';

/** Forest parameters, with scikit-learn's names (as in the parameters file and the stored metadata). */
export interface ForestParams {
  n_estimators: number;
  /** null: grow until leaves are pure or too small. */
  max_depth: number | null;
  /** A fraction in (0, 1] of the features (1 = all, like scikit-learn's 1.0), an integer count > 1, or 'sqrt' / 'log2'. */
  max_features: number | 'sqrt' | 'log2';
  min_samples_split: number;
  min_samples_leaf: number;
  bootstrap: boolean;
  random_state: number;
}

export const DEFAULT_FOREST_PARAMS: ForestParams = {
  n_estimators: 100,
  max_depth: null,
  max_features: 1,
  min_samples_split: 2,
  min_samples_leaf: 1,
  bootstrap: true,
  random_state: 42,
};

export interface FitResult {
  forest: Forest;
  /** Impurity-based feature importances (mean over trees, normalised to sum 1). */
  importances: Float64Array;
}

/** The number of features tried per split, like scikit-learn's `max_features_`. */
export function resolveMaxFeatures(maxFeatures: ForestParams['max_features'], nFeatures: number): number {
  if (maxFeatures === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (maxFeatures === 'log2') return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (maxFeatures > 0 && maxFeatures <= 1) return Math.max(1, Math.floor(maxFeatures * nFeatures));
  if (Number.isInteger(maxFeatures) && maxFeatures > 1) return Math.min(maxFeatures, nFeatures);
  throw new BentoError('BAD_CONFIG', `max_features must be a fraction in (0, 1], an integer count > 1, "sqrt" or "log2", not ${String(maxFeatures)}`);
}

/**
 * Fits a forest on row-major features `x` (`rows × nFeatures`; rounded to float32 like scikit-learn)
 * and targets `y`. `onTree(done, total)` is called after each tree.
 *
 * @example
 *   const { forest } = fitForest(x, y, 600, 5, { ...DEFAULT_FOREST_PARAMS, max_depth: 3 });
 */
export function fitForest(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  nFeatures: number,
  params: ForestParams,
  onTree?: (done: number, total: number) => void,
): FitResult {
  return fitPrepared(prepare(x, y, rows, nFeatures), params, onTree);
}

/** `fitForest` on data already prepared (sorted once) — cheaper when one data set is fitted many times. */
export function fitPrepared(data: PreparedData, params: ForestParams, onTree?: (done: number, total: number) => void): FitResult {
  const { rows: n, nFeatures } = data;
  if (n < 1) throw new BentoError('BAD_DATA', 'cannot fit a forest on 0 rows');
  const grower = new TreeGrower(data, {
    maxDepth: params.max_depth ?? Infinity,
    maxFeatures: resolveMaxFeatures(params.max_features, nFeatures),
    minSamplesSplit: params.min_samples_split,
    minSamplesLeaf: params.min_samples_leaf,
  });
  const forestRng = new MT19937(params.random_state);
  const seeds: number[] = [];
  for (let t = 0; t < params.n_estimators; t++) seeds.push(forestRng.randint(0, INT32_MAX));

  const trees: Tree[] = [];
  const sumImportances = new Float64Array(nFeatures);
  const withSplits = growTrees(grower, seeds, n, params.bootstrap, trees, sumImportances, onTree);
  const importances = new Float64Array(nFeatures);
  if (withSplits > 0) {
    let total = 0;
    for (let f = 0; f < nFeatures; f++) total += sumImportances[f]! / withSplits;
    for (let f = 0; f < nFeatures; f++) importances[f] = sumImportances[f]! / withSplits / total;
  }
  return { forest: { nFeatures, trees }, importances };
}

/**
 * The hot loop, kept in a function with nothing after it: V8 compiles it on-stack while it runs, and
 * code after such a loop that never ran before would throw that compiled code away on every fit.
 */
function growTrees(
  grower: TreeGrower,
  seeds: number[],
  n: number,
  bootstrap: boolean,
  trees: Tree[],
  sumImportances: Float64Array,
  onTree: ((done: number, total: number) => void) | undefined,
): number {
  const weights = new Float64Array(n);
  let withSplits = 0;
  for (let t = 0; t < seeds.length; t++) {
    const seed = seeds[t]!;
    // scikit-learn seeds two RandomState(seed): one draws the splitter's seed, the other the bootstrap
    const draw = new MT19937(seed);
    const splitter = new RandR(draw.peekBounded(INT32_MAX - 1));
    if (bootstrap) {
      weights.fill(0);
      for (let k = 0; k < n; k++) weights[draw.randint(0, n)]! += 1;
    } else {
      weights.fill(1);
    }
    const { tree, importances } = grower.grow(weights, splitter);
    trees.push(tree);
    if (tree.feature.length > 1) {
      withSplits++;
      for (let f = 0; f < sumImportances.length; f++) sumImportances[f] += importances[f]!;
    }
    onTree?.(t + 1, seeds.length);
  }
  return withSplits;
}
