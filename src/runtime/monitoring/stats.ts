/**
 * Pure drift statistics, computed as the references compute them so the figures can be checked against
 * them: SciPy's `ks_2samp` (two-sided, `method='auto'`), `wasserstein_distance`,
 * `scipy.spatial.distance.jensenshannon`, and Evidently's normed Wasserstein, binning and PSI.
 * Inputs are plain numbers; callers drop missing and non-finite values first (see `finite`).
 */
import { kolmogorovSf } from './kolmogorov.js';

/** The finite values of `values`, as a new Float64Array. */
export function finite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out[k++] = v;
  }
  return out;
}

const sorted = (values: ArrayLike<number>): Float64Array => Float64Array.from(values).sort();

/** Index of the first element of ascending `a` that is > x (numpy `searchsorted(side='right')`). */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export interface KsResult {
  /** The KS statistic D (the largest distance between the two empirical CDFs). */
  statistic: number;
  /** Two-sided p-value. */
  pvalue: number;
  method: 'exact' | 'asymp';
}

/** SciPy's `_compute_prob_outside_square`: P(D ≥ h/n) for two samples of n. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/** SciPy's `_compute_outer_prob_inside_method`: share of lattice paths leaving the band |x/m − y/n| < h/lcm. */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const a = new Float64Array(lenA).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}

/** Largest sample size SciPy's `method='auto'` still computes exactly. */
const MAX_AUTO_N = 10000;

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(a, b)` (method 'auto': exact
 * up to 10 000 values per sample, else Smirnov's asymptotic distribution). Both samples non-empty.
 *
 * @example
 *   ksTwoSample([1, 2, 3], [4, 5, 6]).pvalue // 0.1 (as SciPy)
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const d1 = sorted(a);
  const d2 = sorted(b);
  const n1 = d1.length;
  const n2 = d2.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ksTwoSample needs two non-empty samples');
  let minS = Infinity;
  let maxS = -Infinity;
  const visit = (x: number): void => {
    const diff = upperBound(d1, x) / n1 - upperBound(d2, x) / n2;
    if (diff < minS) minS = diff;
    if (diff > maxS) maxS = diff;
  };
  for (let i = 0; i < n1; i++) visit(d1[i]!);
  for (let i = 0; i < n2; i++) visit(d2[i]!);
  const negMin = Math.min(Math.max(-minS, 0), 1);
  let d = negMin > maxS ? negMin : maxS;
  const g = gcd(n1, n2);
  if (Math.max(n1, n2) <= MAX_AUTO_N) {
    const lcm = Math.floor(n1 / g) * n2;
    const h = Math.round(d * lcm); // numpy rounds half to even; d·lcm is an integer up to rounding error
    d = h / lcm;
    if (h === 0) return { statistic: d, pvalue: 1, method: 'exact' };
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (Number.isFinite(prob) && prob >= 0 && prob <= 1) return { statistic: d, pvalue: prob, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return { statistic: d, pvalue: Math.min(Math.max(p, 0), 1), method: 'asymp' };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** First Wasserstein distance between two 1-D samples, as `scipy.stats.wasserstein_distance(u, v)`. */
export function wasserstein(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const us = sorted(u);
  const vs = sorted(v);
  if (us.length === 0 || vs.length === 0) throw new RangeError('wasserstein needs two non-empty samples');
  const all = new Float64Array(us.length + vs.length);
  all.set(us);
  all.set(vs, us.length);
  all.sort();
  let sum = 0;
  let iu = 0;
  let iv = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k]!;
    while (iu < us.length && us[iu]! <= x) iu++;
    while (iv < vs.length && vs[iv]! <= x) iv++;
    sum += Math.abs(iu / us.length - iv / vs.length) * (all[k + 1]! - x);
  }
  return sum;
}

/** Population standard deviation (numpy's `np.std`, ddof 0). */
export function populationStd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  return Math.sqrt(ss / n);
}

/** Evidently's normed Wasserstein distance: the distance divided by the reference's std (at least 0.001). */
export function normedWasserstein(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  return wasserstein(reference, current) / Math.max(populationStd(reference), 0.001);
}

/** Equal-width bin edges over the range of both samples (`numpy.histogram_bin_edges(concat, bins)`). */
export function sharedBinEdges(a: ArrayLike<number>, b: ArrayLike<number>, bins: number): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of [a, b]) {
    for (let i = 0; i < s.length; i++) {
      if (s[i]! < lo) lo = s[i]!;
      if (s[i]! > hi) hi = s[i]!;
    }
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  // numpy.linspace: start + i·step, the last edge exactly `stop`
  const step = (hi - lo) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = lo + i * step;
  edges[bins] = hi;
  return edges;
}

/** Counts per bin (`numpy.histogram(values, edges)`: [e_i, e_i+1), the last bin closed; outside values left out). */
export function histogram(values: ArrayLike<number>, edges: Float64Array): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const first = edges[0]!;
  const last = edges[bins]!;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!(x >= first && x <= last)) continue;
    const b = x === last ? bins - 1 : upperBound(edges, x) - 1;
    counts[b]! += 1;
  }
  return counts;
}

/** Evidently's `get_binned_data` for numeric data: the share of each sample per shared bin. */
export function binnedShares(reference: ArrayLike<number>, current: ArrayLike<number>, bins: number, fillZeroes: boolean): { reference: number[]; current: number[]; edges: Float64Array } {
  const edges = sharedBinEdges(reference, current, bins);
  const r = histogram(reference, edges).map((c) => c / reference.length);
  const c = histogram(current, edges).map((x) => x / current.length);
  if (fillZeroes) {
    for (const shares of [r, c]) {
      const nonZero = shares.filter((s) => s !== 0);
      const smallest = nonZero.length ? Math.min(...nonZero) : 0;
      const fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001;
      for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
    }
  }
  return { reference: r, current: c, edges };
}

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Jensen–Shannon distance (natural log) between two distributions, as `scipy.spatial.distance.jensenshannon(p, q)`. */
export function jensenShannonDistance(p0: ArrayLike<number>, q0: ArrayLike<number>): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p0.length; i++) {
    sp += p0[i]!;
    sq += q0[i]!;
  }
  let js = 0;
  for (let i = 0; i < p0.length; i++) {
    const p = p0[i]! / sp;
    const q = q0[i]! / sq;
    const m = (p + q) / 2;
    js += relEntr(p, m) + relEntr(q, m);
  }
  return Math.sqrt(js / 2);
}

/** Evidently's Jensen–Shannon drift: the distance between the two samples' shares on 30 shared bins. */
export function jensenShannonDrift(reference: ArrayLike<number>, current: ArrayLike<number>, bins = 30): number {
  const b = binnedShares(reference, current, bins, false);
  return jensenShannonDistance(b.reference, b.current);
}

/** Population stability index on 30 shared bins, empty bins filled as Evidently does. */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, bins = 30): number {
  const b = binnedShares(reference, current, bins, true);
  let sum = 0;
  for (let i = 0; i < b.reference.length; i++) {
    const r = b.reference[i]!;
    const c = b.current[i]!;
    sum += (r - c) * Math.log(r / c);
  }
  return sum;
}

/** Pearson correlation of two equally long samples; NaN when either is constant or they have < 2 values. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError('pearson needs two samples of the same length');
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}
