/**
 * CART regression trees grown the way scikit-learn's `DecisionTreeRegressor` (BestSplitter, squared
 * error, depth-first builder) grows them, on presorted features:
 * - each feature is sorted once per data set (`prepare`); a tree filters those orders to its bootstrap
 *   rows and partitions them stably down the tree, so no node sorts anything;
 * - a node's split search is one O(n) prefix-sum scan per feature (the `proxy` improvement
 *   sum_l²/w_l + sum_r²/w_r), visiting features in scikit-learn's Fisher–Yates order with its RNG;
 * - thresholds are float32-exact: the largest float32 not above scikit-learn's midpoint, so every
 *   float32 input takes the same branch as in scikit-learn, and in the ONNX file.
 */
import { treeFromLists, type Tree } from './forest.js';
import { splitThreshold } from './float32.js';
import type { RandR } from './random.js';

/** scikit-learn's FEATURE_THRESHOLD (a float32 constant): values closer than this are one value. */
const FEATURE_THRESHOLD = Math.fround(1e-7);
const EPSILON = 2.220446049250313e-16;

export interface TreeParams {
  /** Maximum depth (root = depth 0); Infinity for none. */
  maxDepth: number;
  /** Features tried per split (1 ≤ maxFeatures ≤ nFeatures). */
  maxFeatures: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
}

/** A data set prepared once for many trees: float32 column-major values and each feature's sorted row order. */
export interface PreparedData {
  rows: number;
  nFeatures: number;
  /** Column-major float32 features: `xc[f * rows + i]`. */
  xc: Float32Array;
  y: Float64Array;
  /** `sorted[f * rows + k]` is the row with the k-th smallest value of feature f (ties by row). */
  sorted: Int32Array;
}

export interface GrownTree {
  tree: Tree;
  /** Impurity-based importances of this tree, normalised to sum 1 (all zero for a single leaf). */
  importances: Float64Array;
}

/** Prepares row-major features `x` (`rows × nFeatures`, rounded to float32 like scikit-learn) and targets. */
export function prepare(x: ArrayLike<number>, y: ArrayLike<number>, rows: number, nFeatures: number): PreparedData {
  const xc = new Float32Array(rows * nFeatures);
  for (let i = 0; i < rows; i++) for (let f = 0; f < nFeatures; f++) xc[f * rows + i] = x[i * nFeatures + f]!;
  const sorted = new Int32Array(rows * nFeatures);
  const order = new Int32Array(rows);
  for (let f = 0; f < nFeatures; f++) {
    for (let i = 0; i < rows; i++) order[i] = i;
    const off = f * rows;
    order.sort((a, b) => xc[off + a]! - xc[off + b]! || a - b);
    sorted.set(order, off);
  }
  return { rows, nFeatures, xc, y: Float64Array.from(y), sorted };
}

interface StackRecord {
  start: number;
  end: number;
  depth: number;
  parent: number;
  isLeft: boolean;
  impurity: number;
  nConstant: number;
  /** A feature whose segment holds exactly this node's rows (the parent's split feature). */
  ref: number;
}

interface Split {
  feature: number;
  pos: number;
  threshold: number;
  improvement: number;
  impurityLeft: number;
  impurityRight: number;
}

/** Grows trees on one prepared data set, reusing its buffers from tree to tree. */
export class TreeGrower {
  // Per feature f, its node segments in sorted order: row ids, float32 values, weights, weight × target.
  private readonly idx: Int32Array;
  private readonly sv: Float32Array;
  private readonly sw: Float64Array;
  private readonly swy: Float64Array;
  private readonly tmp: Int32Array;
  private readonly tmpV: Float32Array;
  private readonly tmpW: Float64Array;
  private readonly tmpWy: Float64Array;
  private readonly side: Uint8Array;
  private readonly features: Int32Array;
  private readonly constantFeatures: Int32Array;
  private m = 0;
  private rng!: RandR;
  // node statistics set by nodeReset
  private sumTotal = 0;
  private sqSumTotal = 0;
  private wTotal = 0;
  private wRoot = 0;

  constructor(
    private readonly data: PreparedData,
    private readonly params: TreeParams,
  ) {
    const size = data.rows * data.nFeatures;
    this.idx = new Int32Array(size);
    this.sv = new Float32Array(size);
    this.sw = new Float64Array(size);
    this.swy = new Float64Array(size);
    this.tmp = new Int32Array(data.rows);
    this.tmpV = new Float32Array(data.rows);
    this.tmpW = new Float64Array(data.rows);
    this.tmpWy = new Float64Array(data.rows);
    this.side = new Uint8Array(data.rows);
    this.features = new Int32Array(data.nFeatures);
    this.constantFeatures = new Int32Array(data.nFeatures);
  }

  /** Grows one tree on the rows with a positive `weights[i]` (bootstrap counts), drawing from `rng`. */
  grow(weights: Float64Array, rng: RandR): GrownTree {
    const { rows: n, nFeatures: F, sorted, xc, y } = this.data;
    const { idx, sv, sw, swy } = this;
    const { maxDepth, minSamplesLeaf } = this.params;
    const minSamplesSplit = Math.max(this.params.minSamplesSplit, 2 * minSamplesLeaf);
    this.rng = rng;
    let m = 0;
    for (let i = 0; i < n; i++) if (weights[i]! > 0) m++;
    this.m = m;
    for (let f = 0; f < F; f++) {
      let k = f * m;
      for (let s = f * n, e = s + n; s < e; s++) {
        const i = sorted[s]!;
        const wi = weights[i]!;
        if (wi > 0) {
          idx[k] = i;
          sv[k] = xc[f * n + i]!;
          sw[k] = wi;
          swy[k] = wi * y[i]!;
          k++;
        }
      }
      this.features[f] = f;
      this.constantFeatures[f] = 0;
    }

    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const impurityOf: number[] = [];
    const weightOf: number[] = [];

    const stack: StackRecord[] = [{ start: 0, end: m, depth: 0, parent: -1, isLeft: false, impurity: Infinity, nConstant: 0, ref: 0 }];
    let first = true;
    while (stack.length > 0) {
      const rec = stack.pop()!;
      const { start, end, depth } = rec;
      this.nodeReset(start, end, rec.ref);
      if (first) this.wRoot = this.wTotal;
      const nNode = end - start;
      let isLeaf = depth >= maxDepth || nNode < minSamplesSplit || nNode < 2 * minSamplesLeaf;
      let impurity = rec.impurity;
      if (first) {
        impurity = this.nodeImpurity();
        first = false;
      }
      isLeaf = isLeaf || impurity <= EPSILON;
      const constants = { n: rec.nConstant };
      let split: Split | undefined;
      if (!isLeaf) {
        split = this.nodeSplit(start, end, depth, impurity, constants);
        isLeaf = split.pos >= end || split.improvement + EPSILON < 0;
      }
      const id = feature.length;
      if (rec.parent >= 0) (rec.isLeft ? left : right)[rec.parent] = id;
      feature.push(isLeaf ? -1 : split!.feature);
      threshold.push(isLeaf ? 0 : split!.threshold);
      left.push(-1);
      right.push(-1);
      value.push(this.sumTotal / this.wTotal);
      impurityOf.push(impurity);
      weightOf.push(this.wTotal);
      if (!isLeaf) {
        const s = split!;
        stack.push({ start: s.pos, end, depth: depth + 1, parent: id, isLeft: false, impurity: s.impurityRight, nConstant: constants.n, ref: s.feature });
        stack.push({ start, end: s.pos, depth: depth + 1, parent: id, isLeft: true, impurity: s.impurityLeft, nConstant: constants.n, ref: s.feature });
      }
    }

    const tree = treeFromLists({ feature, threshold, left, right, value });
    return { tree, importances: importancesOf(tree, impurityOf, weightOf, F) };
  }

  /** Sums of the node's weighted targets, in the order scikit-learn's criterion.init uses. */
  private nodeReset(start: number, end: number, ref: number): void {
    const { y } = this.data;
    const { idx, sw, swy } = this;
    start += ref * this.m;
    end += ref * this.m;
    let sum = 0;
    let sq = 0;
    let wt = 0;
    for (let k = start; k < end; k++) {
      sum += swy[k]!;
      sq += swy[k]! * y[idx[k]!]!;
      wt += sw[k]!;
    }
    this.sumTotal = sum;
    this.sqSumTotal = sq;
    this.wTotal = wt;
  }

  private nodeImpurity(): number {
    const mean = this.sumTotal / this.wTotal;
    return this.sqSumTotal / this.wTotal - mean * mean;
  }

  /** BestSplitter.node_split: features in Fisher–Yates order, constant features remembered for the subtree. */
  private nodeSplit(start: number, end: number, depth: number, impurity: number, constants: { n: number }): Split {
    const F = this.data.nFeatures;
    const features = this.features;
    const maxFeatures = this.params.maxFeatures;
    const best: Split = { feature: -1, pos: end, threshold: 0, improvement: -Infinity, impurityLeft: Infinity, impurityRight: Infinity };
    const bestProxy = { value: -Infinity };
    let fi = F;
    let nVisited = 0;
    let nFound = 0;
    let nDrawn = 0;
    const nKnown = constants.n;
    let nTotal = nKnown;
    while (fi > nTotal && (nVisited < maxFeatures || nVisited <= nFound + nDrawn)) {
      nVisited++;
      let fj = this.rng.int(nDrawn, fi - nFound);
      if (fj < nKnown) {
        swap(features, nDrawn, fj);
        nDrawn++;
        continue;
      }
      fj += nFound;
      const f = features[fj]!;
      if (this.isConstant(f, start, end)) {
        swap(features, fj, nTotal);
        nFound++;
        nTotal++;
        continue;
      }
      fi--;
      swap(features, fi, fj);
      this.scanFeature(f, start, end, best, bestProxy);
    }
    if (best.pos < end) {
      // children that cannot split need no partitioned rows: only the split feature's (sorted) segment is used
      const { maxDepth, minSamplesSplit } = this.params;
      const leaves = depth + 1 >= maxDepth || (best.pos - start < minSamplesSplit && end - best.pos < minSamplesSplit);
      if (!leaves) this.partition(best.feature, start, best.pos, end);
      const b = best.feature * this.m;
      this.childrenImpurity(b + start, b + best.pos, b + end, best);
      const wn = this.wTotal;
      const { wl, wr } = this.leftRightWeights(b + start, b + best.pos, b + end);
      best.improvement = (wn / this.wRoot) * (impurity - (wr / wn) * best.impurityRight - (wl / wn) * best.impurityLeft);
    }
    // keep the known constants first for siblings and children, then remember the new ones
    for (let k = 0; k < nKnown; k++) features[k] = this.constantFeatures[k]!;
    for (let k = nKnown; k < nKnown + nFound; k++) this.constantFeatures[k] = features[k]!;
    constants.n = nTotal;
    return best;
  }

  private isConstant(f: number, start: number, end: number): boolean {
    const base = f * this.m;
    return this.sv[base + end - 1]! <= Math.fround(this.sv[base + start]! + FEATURE_THRESHOLD);
  }

  /** One pass over feature f's sorted rows: the best position by proxy improvement (first one wins ties). */
  private scanFeature(f: number, start: number, end: number, best: Split, bestProxy: { value: number }): void {
    const { sv, sw, swy } = this;
    const base = f * this.m;
    const minLeaf = this.params.minSamplesLeaf;
    const sumTotal = this.sumTotal;
    const wTotal = this.wTotal;
    const s0 = base + start;
    const e = base + end;
    let pos = s0;
    let sl = 0;
    let wl = 0;
    let p = s0;
    let xp = sv[p]!;
    while (p < e) {
      // skip over rows whose value equals the current one (within FEATURE_THRESHOLD)
      while (p + 1 < e) {
        const xn = sv[p + 1]!;
        if (xn > Math.fround(xp + FEATURE_THRESHOLD)) break;
        p++;
        xp = xn;
      }
      p++;
      if (p >= e) break;
      const xPrev = xp;
      xp = sv[p]!;
      if (p - s0 < minLeaf || e - p < minLeaf) continue;
      // scikit-learn's criterion.update: add forward, or restart from the end when that is shorter
      if (p - pos <= e - p) {
        for (let k = pos; k < p; k++) {
          sl += swy[k]!;
          wl += sw[k]!;
        }
      } else {
        sl = sumTotal;
        wl = wTotal;
        for (let k = e - 1; k >= p; k--) {
          sl -= swy[k]!;
          wl -= sw[k]!;
        }
      }
      pos = p;
      const sr = sumTotal - sl;
      const proxy = (sl * sl) / wl + (sr * sr) / (wTotal - wl);
      if (proxy > bestProxy.value) {
        bestProxy.value = proxy;
        best.feature = f;
        best.pos = p - base;
        best.threshold = splitThreshold(xPrev, xp);
      }
    }
  }

  /** Stable partition of every feature's node rows into [start, pos) left and [pos, end) right. */
  private partition(bf: number, start: number, pos: number, end: number): void {
    const { idx, sv, sw, swy, side, tmp, tmpV, tmpW, tmpWy, m } = this;
    const bb = bf * m;
    for (let k = start; k < pos; k++) side[idx[bb + k]!] = 1;
    for (let k = pos; k < end; k++) side[idx[bb + k]!] = 0;
    for (let g = 0; g < this.data.nFeatures; g++) {
      if (g === bf) continue;
      const base = g * m;
      let l = base + start;
      let r = 0;
      for (let k = base + start, e = base + end; k < e; k++) {
        const i = idx[k]!;
        if (side[i] === 1) {
          idx[l] = i;
          sv[l] = sv[k]!;
          sw[l] = sw[k]!;
          swy[l] = swy[k]!;
          l++;
        } else {
          tmp[r] = i;
          tmpV[r] = sv[k]!;
          tmpW[r] = sw[k]!;
          tmpWy[r] = swy[k]!;
          r++;
        }
      }
      for (let k = 0; k < r; k++, l++) {
        idx[l] = tmp[k]!;
        sv[l] = tmpV[k]!;
        sw[l] = tmpW[k]!;
        swy[l] = tmpWy[k]!;
      }
    }
  }

  private leftRightWeights(start: number, pos: number, end: number): { sl: number; wl: number; sr: number; wr: number } {
    const { sw, swy } = this;
    let sl = 0;
    let wl = 0;
    if (pos - start <= end - pos) {
      for (let k = start; k < pos; k++) {
        sl += swy[k]!;
        wl += sw[k]!;
      }
    } else {
      sl = this.sumTotal;
      wl = this.wTotal;
      for (let k = end - 1; k >= pos; k--) {
        sl -= swy[k]!;
        wl -= sw[k]!;
      }
    }
    return { sl, wl, sr: this.sumTotal - sl, wr: this.wTotal - wl };
  }

  private childrenImpurity(start: number, pos: number, end: number, best: Split): void {
    const { y } = this.data;
    const { swy, idx } = this;
    let sqLeft = 0;
    for (let k = start; k < pos; k++) sqLeft += swy[k]! * y[idx[k]!]!;
    const sqRight = this.sqSumTotal - sqLeft;
    const { sl, wl, sr, wr } = this.leftRightWeights(start, pos, end);
    best.impurityLeft = sqLeft / wl - (sl / wl) * (sl / wl);
    best.impurityRight = sqRight / wr - (sr / wr) * (sr / wr);
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** scikit-learn's compute_feature_importances(normalize=True) for one tree. */
function importancesOf(tree: Tree, impurity: number[], weight: number[], nFeatures: number): Float64Array {
  const out = new Float64Array(nFeatures);
  for (let n = 0; n < tree.feature.length; n++) {
    const f = tree.feature[n]!;
    if (f < 0) continue;
    const l = tree.left[n]!;
    const r = tree.right[n]!;
    out[f] += weight[n]! * impurity[n]! - weight[l]! * impurity[l]! - weight[r]! * impurity[r]!;
  }
  let sum = 0;
  for (let f = 0; f < nFeatures; f++) sum += out[f]! / weight[0]!;
  if (sum > 0) for (let f = 0; f < nFeatures; f++) out[f] = out[f]! / weight[0]! / sum;
  return out;
}
