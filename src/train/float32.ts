/**
 * Float32 split thresholds. The trainer decides splits on float32 feature values (like scikit-learn)
 * and stores float32-exact thresholds, so the ONNX model (float32 thresholds and inputs) takes exactly
 * the branches the trainer took.
 */
import { floor32 } from '../onnx/float32.js';

/**
 * The float32 threshold between two adjacent float32 values a < b of a node: the largest float32 t
 * with t ≤ a/2 + b/2 (scikit-learn's double midpoint), or a when that would reach b. Then
 * a ≤ t < b and, for every float32 x, `x <= t` exactly when `x <= midpoint`.
 */
export function splitThreshold(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  if (mid === b || !Number.isFinite(mid)) return a;
  const t = floor32(mid);
  return t >= b || t < a ? a : t;
}
