/**
 * scikit-learn's `train_test_split` (ShuffleSplit) and `KFold` index logic, reproduced exactly so the
 * same seed gives the same rows as the original pipeline.
 */
import { BentoError } from '../errors.js';
import { permutation } from '../forest/random.js';

export interface IndexSplit {
  /** Row indices of the train part, in the order scikit-learn returns them (shuffled). */
  train: Int32Array;
  /** Row indices of the test part. */
  test: Int32Array;
}

/**
 * `train_test_split(range(n), test_size, random_state=seed)`: perm = RandomState(seed).permutation(n);
 * test = perm[:ceil(test_size·n)], train = the rest (n_train = n − n_test).
 */
export function trainTestSplit(n: number, testSize: number, seed: number): IndexSplit {
  if (!(testSize > 0 && testSize < 1)) throw new BentoError('BAD_CONFIG', `test_size must be a number between 0 and 1 (exclusive), not ${testSize}`);
  const nTest = Math.ceil(testSize * n);
  const nTrain = n - nTest;
  if (nTest < 1 || nTrain < 1) throw new BentoError('BAD_DATA', `cannot split ${n} rows with test_size ${testSize}`);
  const perm = permutation(n, seed);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}

export interface ThreeWaySplit {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/**
 * The original pipeline's 60/20/20 split: a test part first, then a validation part out of the rest
 * (both seeded with `seed`). Returned indices point into the original `n` rows.
 */
export function trainValidationTestSplit(n: number, testSize: number, valSize: number, seed: number): ThreeWaySplit {
  const first = trainTestSplit(n, testSize, seed);
  const second = trainTestSplit(first.train.length, valSize, seed);
  return {
    train: second.train.map((i) => first.train[i]!),
    validation: second.test.map((i) => first.train[i]!),
    test: first.test,
  };
}

/**
 * `KFold(n_splits=k)` without shuffling: contiguous folds, the first `n % k` one row larger.
 * Train indices are ascending, like scikit-learn's.
 */
export function kFold(n: number, k: number): IndexSplit[] {
  if (!Number.isInteger(k) || k < 2) throw new BentoError('BAD_CONFIG', `folds must be an integer from 2, not ${k}`);
  if (k > n) throw new BentoError('BAD_DATA', `cannot make ${k} folds of ${n} rows`);
  const out: IndexSplit[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test = new Int32Array(size);
    for (let i = 0; i < size; i++) test[i] = start + i;
    const train = new Int32Array(n - size);
    let t = 0;
    for (let i = 0; i < n; i++) if (i < start || i >= start + size) train[t++] = i;
    out.push({ train, test });
    start += size;
  }
  return out;
}

/** The rows `idx` of row-major features `x` (`nFeatures` columns) and of targets `y`, in the order of `idx`. */
export function takeRows(x: ArrayLike<number>, y: ArrayLike<number>, nFeatures: number, idx: Int32Array): { x: Float64Array; y: Float64Array } {
  const xs = new Float64Array(idx.length * nFeatures);
  const ys = new Float64Array(idx.length);
  idx.forEach((r, k) => {
    for (let j = 0; j < nFeatures; j++) xs[k * nFeatures + j] = x[r * nFeatures + j]!;
    ys[k] = y[r]!;
  });
  return { x: xs, y: ys };
}
