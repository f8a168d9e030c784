import t from 'tap';
import { maxError, meanAbsoluteError, meanSquaredError, r2Score, regressionMetrics } from '../../src/pipeline/metrics.js';

t.test('metrics against hand-computed values', async (t) => {
  const yTrue = [3, -0.5, 2, 7];
  const yPred = [2.5, 0, 2, 8];
  // |e| = 0.5, 0.5, 0, 1 → MAE 0.5; e² = 0.25, 0.25, 0, 1 → MSE 0.375; max 1
  t.equal(meanAbsoluteError(yTrue, yPred), 0.5);
  t.equal(meanSquaredError(yTrue, yPred), 0.375);
  t.equal(maxError(yTrue, yPred), 1);
  // mean 2.875; SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875; R² = 1 − 1.5 / 29.1875
  t.ok(Math.abs(r2Score(yTrue, yPred) - (1 - 1.5 / 29.1875)) < 1e-15);
  t.same(regressionMetrics(yTrue, yPred), {
    accuracy: r2Score(yTrue, yPred) * 100,
    mean_absolute_error: 0.5,
    mean_squared_error: 0.375,
    max_error: 1,
  });
});

t.test('edge cases like scikit-learn', async (t) => {
  t.equal(r2Score([1, 1], [1, 1]), 1, 'constant target, perfect fit');
  t.equal(r2Score([1, 1], [1, 2]), 0, 'constant target, imperfect fit');
  t.ok(r2Score([1, 2, 3], [3, 2, 1]) < 0, 'worse than the mean is negative');
  t.throws(() => meanAbsoluteError([1], [1, 2]), { name: 'BentoError', code: 'INTERNAL' });
  t.throws(() => meanAbsoluteError([], []), { name: 'BentoError', code: 'BAD_DATA' });
});
