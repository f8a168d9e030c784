/** Regression metrics, with scikit-learn's definitions (and the original pipeline's `accuracy` = R² × 100). */
import { BentoError } from '../errors.js';

export interface RegressionMetrics {
  /** R² × 100. */
  accuracy: number;
  mean_absolute_error: number;
  mean_squared_error: number;
  max_error: number;
}

function check(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) throw new BentoError('INTERNAL', `length mismatch: ${yTrue.length} targets, ${yPred.length} predictions`);
  if (yTrue.length === 0) throw new BentoError('BAD_DATA', 'no values to score');
  return yTrue.length;
}

export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = check(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(yPred[i]! - yTrue[i]!);
  return s / n;
}

export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = check(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < n; i++) s += (yTrue[i]! - yPred[i]!) ** 2;
  return s / n;
}

export function maxError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = check(yTrue, yPred);
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(yTrue[i]! - yPred[i]!));
  return m;
}

/** R² (coefficient of determination); like scikit-learn, 1 for a perfect fit of constant targets, else 0 for them. */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = check(yTrue, yPred);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i]!;
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (yTrue[i]! - yPred[i]!) ** 2;
    ssTot += (yTrue[i]! - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** The four metrics the model store keeps. */
export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionMetrics {
  return {
    accuracy: r2Score(yTrue, yPred) * 100,
    mean_absolute_error: meanAbsoluteError(yTrue, yPred),
    mean_squared_error: meanSquaredError(yTrue, yPred),
    max_error: maxError(yTrue, yPred),
  };
}
