/**
 * float32 rounding in a chosen direction. ONNX tree ensembles compare float32 inputs with float32
 * thresholds, so every threshold we write or read is moved to the float32 that keeps each float32
 * input on the same branch (rounding to nearest could move it past a sample). The trainer decides splits on
 * float32 feature values (like scikit-learn) and stores float32-exact thresholds, so the ONNX model takes
 * exactly the branches the trainer took.
 */
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The largest float32 strictly below the float32 value `x` (NaN stays NaN, -Infinity stays). */
export function nextDown32(x: number): number {
  x = Math.fround(x);
  if (Number.isNaN(x) || x === -Infinity) return x;
  if (x === 0) return -1.401298464324817e-45; // the smallest negative subnormal, below +0 and -0
  f32[0] = x;
  i32[0] += x > 0 ? -1 : 1;
  return f32[0]!;
}

/** The largest float32 `t` with `t <= x`: for float32 `v`, `v <= x` ⇔ `v <= t`. */
export function floor32(x: number): number {
  const r = Math.fround(x);
  return r <= x || Number.isNaN(x) ? r : nextDown32(r);
}

/** The largest float32 `t` with `t < x`: for float32 `v`, `v < x` ⇔ `v <= t`. */
export function below32(x: number): number {
  const r = Math.fround(x);
  return r < x || Number.isNaN(x) ? r : nextDown32(r);
}

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
