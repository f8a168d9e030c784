// computeDrift: the test choice (KS up to 1000 reference rows, normed Wasserstein beyond, or the one set),
// only the shifted feature drifts, the dataset verdict by share, data quality, prediction drift and
// feature–prediction correlations.
import t from 'tap';
import { chooseTest, computeDrift, DEFAULT_DRIFT_SETTINGS, qualityStats } from '../../../src/runtime/monitoring/drift.js';

/** mulberry32, then Box–Muller: seeded normal draws. */
function normals(seed: number, n: number, mean = 0, sd = 1): number[] {
  let s = seed;
  const u = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

function sampleSet(seed: number, n: number, shiftA = 0): { a: number[]; b: number[]; c: number[]; pred: number[] } {
  const a = normals(seed, n, 10 + shiftA, 3);
  const b = normals(seed + 1, n, 100, 20);
  const c = normals(seed + 2, n, 0, 1);
  // the prediction follows b (and not a): correlations differ by feature
  const pred = b.map((v, i) => v * 0.5 + c[i]! * 0.1);
  return { a, b, c, pred };
}

t.test('test choice by reference size and setting', async (t) => {
  t.equal(chooseTest(DEFAULT_DRIFT_SETTINGS, 1000), 'ks');
  t.equal(chooseTest(DEFAULT_DRIFT_SETTINGS, 1001), 'wasserstein');
  t.equal(chooseTest({ stat_test: 'psi' }, 10), 'psi');
});

t.test('only the shifted feature drifts (KS on a small reference, Wasserstein on a large one)', async (t) => {
  for (const rows of [400, 3000]) {
    const ref = sampleSet(1, rows);
    const cur = sampleSet(99, 500, 10); // a: mean 10 → 20
    const r = computeDrift(
      { rows, features: { a: ref.a, b: ref.b, c: ref.c }, predictions: { rows, values: ref.pred }, correlations: { a: 0, b: 0.99, c: 0.2 } },
      { features: { a: cur.a, b: cur.b, c: cur.c }, predictions: cur.pred },
    );
    const want = rows <= 1000 ? 'ks' : 'wasserstein';
    t.same(r.features.map((f) => [f.feature, f.stat_test, f.drifted]), [['a', want, true], ['b', want, false], ['c', want, false]], `${rows} reference rows: ${want}`);
    t.same(r.dataset, { number_of_features: 3, drifted_features: 1, drifted_share: 1 / 3, dataset_drift: false });
    t.ok(r.features[0]!.psi > 1 && r.features[1]!.psi < 0.2, 'PSI large for the shifted feature only');
    t.equal(r.prediction?.drifted, false, 'the predictions follow b, which did not move');
    t.ok(r.correlations.b!.current > 0.95 && Math.abs(r.correlations.a!.current) < 0.2, 'current correlations');
    t.equal(r.correlations.b!.reference, 0.99, 'reference correlations as stored');
    t.equal(r.current_rows, 500);
  }
});

t.test('dataset drift at the share threshold; thresholds are settings', async (t) => {
  const ref = sampleSet(1, 400);
  const cur = sampleSet(5, 300);
  const shifted = { a: cur.a.map((v) => v + 10), b: cur.b.map((v) => v + 40), c: cur.c };
  const r = computeDrift({ rows: 400, features: { a: ref.a, b: ref.b, c: ref.c } }, { features: shifted });
  t.equal(r.dataset.drifted_features, 2);
  t.equal(r.dataset.dataset_drift, true, '2 of 3 ≥ 50 %');
  t.notOk(r.prediction, 'no prediction drift without predictions');
  const strict = computeDrift({ rows: 400, features: { a: ref.a, b: ref.b, c: ref.c } }, { features: shifted }, { ...DEFAULT_DRIFT_SETTINGS, drift_share: 0.7 });
  t.equal(strict.dataset.dataset_drift, false, 'not at a 70 % share');
  const loose = computeDrift({ rows: 400, features: { a: ref.a } }, { features: { a: cur.a } }, { ...DEFAULT_DRIFT_SETTINGS, p_threshold: 1.01 });
  t.equal(loose.features[0]!.drifted, true, 'p_threshold decides the KS verdict');
});

t.test('data quality over the window', async (t) => {
  const q = qualityStats([1, 2, 2, NaN, Infinity, -Infinity, 5, 1]);
  t.same(q, { count: 8, missing_count: 1, infinite_count: 2, min: 1, max: 5, mean: 11 / 5, most_common_value: 1 });
  const empty = qualityStats([NaN]);
  t.ok(Number.isNaN(empty.mean) && Number.isNaN(empty.most_common_value) && empty.missing_count === 1);
  const r = computeDrift({ rows: 3, features: { a: [1, 2, 3] } }, { features: { a: [NaN, NaN] } });
  t.same(r.features, [], 'a feature with no finite current value is not tested');
  t.equal(r.quality.a!.missing_count, 2);
});
