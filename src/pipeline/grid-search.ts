/**
 * Grid search with k-fold cross-validation, scored by mean absolute error — scikit-learn's
 * `GridSearchCV(RandomForestRegressor(...), grid, cv=KFold(k), scoring='neg_mean_absolute_error')`:
 * candidates in ParameterGrid order (keys sorted, the last one varying fastest), contiguous folds,
 * the best mean CV MAE wins (ties: the first candidate), then a refit on all the rows.
 */
import { predict } from '../forest/forest.js';
import { fitPrepared, type FitResult, type ForestParams } from '../forest/trainer.js';
import { meanAbsoluteError } from './metrics.js';
import { kFold, takeRows } from './split.js';
import { prepare } from '../forest/tree.js';

/** The forest parameters a grid may search over. */
export type GridKey = 'max_depth' | 'random_state' | 'n_estimators' | 'max_features' | 'min_samples_split' | 'min_samples_leaf';
export const GRID_KEYS: readonly GridKey[] = ['max_depth', 'random_state', 'n_estimators', 'max_features', 'min_samples_split', 'min_samples_leaf'];

export type Grid = { [K in GridKey]?: readonly ForestParams[K][] };
export type Candidate = { [K in GridKey]?: ForestParams[K] };

export interface CvResult {
  /** The searched parameters of this candidate. */
  params: Candidate;
  /** Mean absolute error on each held-out fold. */
  foldMae: number[];
  meanMae: number;
  /** Population standard deviation of the fold MAEs (like scikit-learn's std_test_score). */
  stdMae: number;
  /** 1 for the best mean MAE; equal means share the smaller rank. */
  rank: number;
}

export interface GridSearchOptions {
  /** Row-major features, `rows × nFeatures`. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  rows: number;
  nFeatures: number;
  /** Fixed parameters; a candidate's values override them. */
  base: ForestParams;
  grid: Grid;
  folds: number;
  /** Called after each fit: `total` = candidates × folds + 1 (the refit). */
  onProgress?: (done: number, total: number) => void;
}

export interface GridSearchResult {
  results: CvResult[];
  bestIndex: number;
  /** `base` with the best candidate's values. */
  best: ForestParams;
  /** The best parameters refitted on all the rows. */
  refit: FitResult;
}

/** Every combination of the grid, in scikit-learn's ParameterGrid order. */
export function parameterGrid(grid: Grid): Candidate[] {
  const keys = (Object.keys(grid) as GridKey[]).filter((k) => grid[k] !== undefined).sort();
  let out: Candidate[] = [{}];
  for (const k of keys) {
    const values = grid[k]! as readonly unknown[];
    const next: Candidate[] = [];
    for (const c of out) for (const v of values) next.push({ ...c, [k]: v });
    out = next;
  }
  return out;
}

/**
 * Runs the search and the refit.
 *
 * @example
 *   const { best, refit } = gridSearch({ x, y, rows, nFeatures: 5, base, grid: { max_depth: [1, 2, 3] }, folds: 5 });
 */
export function gridSearch(opts: GridSearchOptions): GridSearchResult {
  const { x, y, rows, nFeatures, base, folds } = opts;
  const candidates = parameterGrid(opts.grid);
  const splits = kFold(rows, folds);
  const total = candidates.length * folds + 1;
  let done = 0;
  // Each fold's training rows are sorted once and shared by every candidate.
  const prepared = splits.map((s) => {
    const train = takeRows(x, y, nFeatures, s.train);
    const test = takeRows(x, y, nFeatures, s.test);
    return {
      train: prepare(train.x, train.y, s.train.length, nFeatures),
      testX: Float32Array.from(test.x),
      testY: test.y,
      testRows: s.test.length,
    };
  });

  const results: CvResult[] = candidates.map((params) => {
    const p: ForestParams = { ...base, ...params };
    const foldMae = prepared.map((f) => {
      const { forest } = fitPrepared(f.train, p);
      const mae = meanAbsoluteError(f.testY, predict(forest, f.testX, f.testRows));
      opts.onProgress?.(++done, total);
      return mae;
    });
    const meanMae = foldMae.reduce((a, b) => a + b, 0) / folds;
    const stdMae = Math.sqrt(foldMae.reduce((a, b) => a + (b - meanMae) ** 2, 0) / folds);
    return { params, foldMae, meanMae, stdMae, rank: 0 };
  });
  for (const r of results) r.rank = 1 + results.filter((o) => o.meanMae < r.meanMae).length;
  const bestIndex = results.findIndex((r) => r.rank === 1);
  const best: ForestParams = { ...base, ...candidates[bestIndex]! };
  const refit = fitPrepared(prepare(x, y, rows, nFeatures), best);
  opts.onProgress?.(++done, total);
  return { results, bestIndex, best, refit };
}
