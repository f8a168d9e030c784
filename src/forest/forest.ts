/**
 * The in-memory random forest every part of the project exchanges: the trainer produces it, the ONNX
 * writer serialises it, the ml-random-forest importer converts into it.
 *
 * A tree is stored as flat parallel arrays indexed by node id; node 0 is the root.
 * An internal node sends a row left when `x[feature] <= threshold`, else right (ONNX BRANCH_LEQ).
 * Thresholds are float32-exact values (Math.fround(t) === t) so that the ONNX file, whose thresholds
 * and inputs are float32, takes exactly the same branches as the trainer.
 */
export interface Tree {
  /** Feature index per node, or -1 for a leaf. */
  feature: Int32Array;
  /** Split threshold per node (0 for leaves); float32-exact. */
  threshold: Float64Array;
  /** Left child id per node (-1 for leaves). */
  left: Int32Array;
  /** Right child id per node (-1 for leaves). */
  right: Int32Array;
  /** Prediction per node: the mean target of the training rows that reached it (used at leaves). */
  value: Float64Array;
}

export interface Forest {
  nFeatures: number;
  /** The forest predicts the mean of its trees' predictions. */
  trees: Tree[];
}

/** Predicts one row (features as float32-representable numbers). */
export function predictRow(forest: Forest, row: ArrayLike<number>): number {
  let sum = 0;
  for (const t of forest.trees) {
    let n = 0;
    while (t.feature[n]! >= 0) n = row[t.feature[n]!]! <= t.threshold[n]! ? t.left[n]! : t.right[n]!;
    sum += t.value[n]!;
  }
  return sum / forest.trees.length;
}

/** Predicts every row of a row-major matrix `x` with `forest.nFeatures` columns. */
export function predict(forest: Forest, x: ArrayLike<number>, rows: number): Float64Array {
  const out = new Float64Array(rows);
  const f = forest.nFeatures;
  const row = new Float64Array(f);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < f; j++) row[j] = x[i * f + j]!;
    out[i] = predictRow(forest, row);
  }
  return out;
}

/** Node lists as a tree grows them (plain arrays), before they become the typed arrays of a Tree. */
export interface TreeLists {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

/** Freezes grown node lists into a Tree. */
export function treeFromLists(n: TreeLists): Tree {
  return {
    feature: Int32Array.from(n.feature),
    threshold: Float64Array.from(n.threshold),
    left: Int32Array.from(n.left),
    right: Int32Array.from(n.right),
    value: Float64Array.from(n.value),
  };
}
