import t from 'tap';
import { loadCatalog } from '../../src/pipeline/catalog.js';
import { runTraining } from '../../src/pipeline/pipeline.js';
import { CATALOG, PARAMS, PROJECT_DATA } from '../kit/python.js';
import { featureStats, predictionReference, quantile, referenceStats, SAMPLE_CAP, sampleRows } from '../../src/pipeline/reference.js';

t.test('statistics of a column against hand-computed values', async (t) => {
  const s = featureStats([4, 1, 3, 2, 10]);
  t.equal(s.count, 5);
  t.equal(s.mean, 4);
  // deviations −3, −2, −1, 0, 6 → squares 9 + 4 + 1 + 0 + 36 = 50; sample std √(50 / 4)
  t.equal(s.std, Math.sqrt(12.5));
  t.same([s.min, s.max], [1, 10]);
  // sorted 1 2 3 4 10; p25 at rank 1 → 2; p5 at rank 0.2 → 1.2; p95 at rank 3.8 → 4 + 0.8 × 6
  const expected = { p5: 1.2, p25: 2, p50: 3, p75: 4, p95: 4 + 0.8 * 6 };
  for (const [k, v] of Object.entries(expected)) t.ok(Math.abs(s.quantiles[k as keyof typeof expected] - v) < 1e-12, `${k} = ${v}`);
  t.same(s.histogram.counts, [1, 1, 1, 1, 0, 0, 0, 0, 0, 1], 'width 0.9 bins from 1 to 10; the max lands in the last bin');
  t.equal(s.histogram.edges.length, 11);
  t.same([s.histogram.edges[0], s.histogram.edges[10]], [1, 10]);
});

t.test('degenerate columns', async (t) => {
  const one = featureStats([7]);
  t.equal(one.std, 0);
  t.same(one.histogram.edges.slice(0, 1).concat(one.histogram.edges.slice(-1)), [6.5, 7.5], 'a zero range widens to ±0.5 like numpy');
  t.equal(one.histogram.counts.reduce((a, b) => a + b), 1);
  t.throws(() => featureStats([]), { name: 'BentoError', code: 'BAD_DATA' });
  t.equal(quantile([1, 2], 0.5), 1.5);
});

t.test('referenceStats describes each column of a row-major matrix', async (t) => {
  const r = referenceStats([1, 10, 2, 20, 3, 30], 3, ['a', 'b']);
  t.same(Object.keys(r), ['a', 'b']);
  t.equal(r.a!.mean, 2);
  t.equal(r.b!.max, 30);
});

t.test('the drift sample: every value up to the cap, else a seeded sample of whole rows', async (t) => {
  t.same(featureStats([3, 1, 2]).sample, [3, 1, 2], 'a small column is kept whole, in row order');
  const rows = SAMPLE_CAP + 500;
  const x = Float64Array.from({ length: rows * 2 }, (_, k) => (k % 2 === 0 ? k / 2 : -k));
  const r = referenceStats(x, rows, ['i', 'neg']);
  t.equal(r.i!.sample.length, SAMPLE_CAP);
  t.equal(r.i!.count, rows, 'count is the whole column');
  t.ok(r.i!.sample.every((v, k) => r.neg!.sample[k] === -(2 * v + 1)), 'both features sample the same rows');
  t.ok(r.i!.sample.every((v, k) => k === 0 || v > r.i!.sample[k - 1]!), 'rows kept in order, none twice');
  t.same(Array.from(sampleRows(rows)), Array.from(sampleRows(rows)), 'seeded: the same rows every time');
  t.notSame(Array.from(sampleRows(rows)), Array.from(sampleRows(rows, SAMPLE_CAP, 7)), 'another seed, other rows');
});

t.test('predictionReference: the predictions and each feature\'s correlation with them', async (t) => {
  // features a = i, b = −i, c constant; predictions 2i + 1
  const x = [0, 0, 5, 1, -1, 5, 2, -2, 5, 3, -3, 5];
  const p = predictionReference(x, 4, ['a', 'b', 'c'], [1, 3, 5, 7]);
  t.equal(p.rows, 4);
  t.same(p.sample, [1, 3, 5, 7]);
  t.ok(Math.abs(p.correlations.a! - 1) < 1e-12 && Math.abs(p.correlations.b! + 1) < 1e-12, 'perfectly (anti-)correlated');
  t.equal(p.correlations.c, 0, 'a constant feature is stored as 0');
});

t.test('training stores the drift reference: the training split per feature, the validation predictions', async (t) => {
  const r = await runTraining({ dataPath: PROJECT_DATA, dataset: await loadCatalog(CATALOG), paramsPath: PARAMS });
  for (const [name, stats] of Object.entries(r.reference)) {
    t.equal(stats.sample.length, Math.min(r.data.trainRows, SAMPLE_CAP), `${name}: a value per training row (up to the cap)`);
    t.ok(stats.sample.every((v) => v >= stats.min && v <= stats.max), `${name}: values of the column`);
  }
  const p = r.predictionReference;
  t.equal(p.rows, r.data.validationRows);
  t.same(p.sample, Array.from(r.validation.predictions).slice(0, SAMPLE_CAP), 'the validation predictions, in order');
  t.same(Object.keys(p.correlations), r.features);
  t.ok(Object.values(p.correlations).every((c) => c >= -1 && c <= 1), 'correlations within [-1, 1]');
});
