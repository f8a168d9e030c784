/**
 * Float32 helpers for split thresholds. The trainer decides splits on float32 feature values (like
 * scikit-learn) and stores float32-exact thresholds, so the ONNX model (float32 thresholds and inputs)
 * takes exactly the branches the trainer took.
 */

/**
 * The float32 threshold between two adjacent float32 values a < b of a node: the largest float32 t
 * with t ≤ a/2 + b/2 (scikit-learn's double midpoint), or a when that would reach b. Then
 * a ≤ t < b and, for every float32 x, `x <= t` exactly when `x <= midpoint`.
 */
export function splitThreshold(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  if (mid === b || !Number.isFinite(mid)) return a;
  let t = Math.fround(mid);
  if (t > mid) t = nextDownFloat32(t);
  return t >= b || t < a ? a : t;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The largest float32 below the float32 value t. */
export function nextDownFloat32(t: number): number {
  if (t === 0) return -1.401298464324817e-45;
  f32[0] = t;
  if (t > 0) u32[0] = u32[0]! - 1;
  else u32[0] = u32[0]! + 1;
  return f32[0]!;
}
