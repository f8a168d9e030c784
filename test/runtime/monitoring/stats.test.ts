// The drift statistics against SciPy on test vectors (Debian's python3-scipy; skipped with the reason when
// it is missing): ks_2samp on both of its paths (exact and asymptotic), wasserstein_distance,
// jensenshannon, kstwo.sf over Simard & L'Ecuyer's regions, and Evidently's normed Wasserstein / PSI
// written out with numpy.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { PYTHON, python } from '../../kit/python.js';
import { kolmogorovSf } from '../../../src/runtime/monitoring/kolmogorov.js';
import {
  binnedShares,
  histogram,
  jensenShannonDistance,
  jensenShannonDrift,
  ksTwoSample,
  normedWasserstein,
  pearson,
  psi,
  sharedBinEdges,
  wasserstein,
} from '../../../src/runtime/monitoring/stats.js';

const TOL = 1e-6;
const close = (got: number, want: number): boolean => Math.abs(got - want) <= TOL * Math.max(1, Math.abs(want));

const scipyMissing = ((): string | undefined => {
  const r = spawnSync(PYTHON, ['-c', 'import scipy.stats, scipy.spatial, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${PYTHON} has no scipy (apt-get install -y python3-scipy)`;
})();

t.test('hand-checked values (no Python needed)', async (t) => {
  // Fully separated samples of 3: D = 1, p = 2 / C(6, 3) = 0.1.
  const r = ksTwoSample([1, 2, 3], [4, 5, 6]);
  t.equal(r.statistic, 1);
  t.ok(Math.abs(r.pvalue - 0.1) < 1e-12, `p ${r.pvalue}`);
  t.equal(ksTwoSample([1, 2, 3], [1, 2, 3]).pvalue, 1, 'identical samples: p = 1');
  t.equal(wasserstein([0, 1, 3], [5, 6, 8]), 5, 'a shift by 5 moves every unit of mass by 5');
  t.equal(normedWasserstein([0, 2], [1, 3]), 1, 'divided by the reference std (1)');
  t.equal(jensenShannonDistance([1, 0], [0, 1]), Math.sqrt(Math.log(2)), 'disjoint: sqrt(ln 2)');
  t.same(histogram([0, 0.5, 1, 2, 3], Float64Array.from([0, 1, 2, 3])), [2, 1, 2], '[0,1) [1,2) [2,3], the last closed');
  t.same(Array.from(sharedBinEdges([1], [1], 2)), [0.5, 1, 1.5], 'a zero range widens by ±0.5 as numpy does');
  t.equal(pearson([1, 2, 3], [2, 4, 6]), 1);
  t.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])), 'a constant column has no correlation');
  t.equal(psi([1, 2, 3, 4], [1, 2, 3, 4]), 0, 'the same sample: PSI 0');
  t.ok(kolmogorovSf(10, 0.01) === 1 && kolmogorovSf(10, 1) === 0, 'kstwo.sf ends');
  const shares = binnedShares([0, 0, 0, 1], [1, 1, 1, 1], 2, true);
  t.same(shares.current, [0.0001, 1], 'an empty bin is filled with 0.0001 (Evidently)');
});

t.test('against SciPy to 1e-6', { skip: scipyMissing }, async (t) => {
  const ref = python<{
    cases: Array<{ a: number[]; b: number[]; ks: [number, number]; w: number; js: number; wn: number; psi: number; r: number }>;
    sf: Array<[number, number, number]>;
  }>(`
import json, numpy as np
from scipy import stats
from scipy.spatial import distance
rng = np.random.default_rng(20261130)
def binned(r, c, n, fill):
    bins = np.histogram_bin_edges(np.concatenate([r, c]), bins=n)
    rp = np.histogram(r, bins)[0] / len(r); cp = np.histogram(c, bins)[0] / len(c)
    if fill:
        for p in (rp, cp):
            m = min(p[p != 0]); np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp
out = []
for n1, n2, shift, dec in [(3, 3, 5, 2), (10, 10, 0.3, 1), (50, 37, 0.2, 2), (400, 500, 0.1, 2), (500, 500, 0.05, 3), (1000, 500, 0.3, 1),
                           (7, 1200, 0.0, 2), (431, 500, 1.0, 2), (12000, 300, 0.05, 2), (20000, 15000, 0.02, 3), (300, 20001, 0.1, 2)]:
    a = np.round(rng.normal(0, 1, n1), dec); b = np.round(rng.normal(shift, 1.3, n2), dec)
    r = stats.ks_2samp(a, b)
    rp, cp = binned(a, b, 30, False); rf, cf = binned(a, b, 30, True)
    m = min(n1, n2)
    out.append(dict(a=a.tolist(), b=b.tolist(), ks=[float(r.statistic), float(r.pvalue)], w=float(stats.wasserstein_distance(a, b)),
                    js=float(distance.jensenshannon(rp, cp)), wn=float(stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)),
                    psi=float(np.sum((rf - cf) * np.log(rf / cf))), r=float(stats.pearsonr(a[:m], b[:m])[0])))
sf = [[n, x, float(stats.kstwo.sf(x, n))] for n in [5, 50, 140, 141, 500, 3000, 20000, 200000] for x in [0.004, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4, 0.6, 0.9]]
print(json.dumps(dict(cases=out, sf=sf)))
`);
  let exact = 0;
  let asymp = 0;
  for (const c of ref.cases) {
    const label = `${c.a.length} vs ${c.b.length}`;
    const r = ksTwoSample(c.a, c.b);
    r.method === 'exact' ? exact++ : asymp++;
    t.ok(close(r.statistic, c.ks[0]), `${label}: KS statistic ${r.statistic} vs ${c.ks[0]}`);
    t.ok(close(r.pvalue, c.ks[1]), `${label}: KS p-value ${r.pvalue} vs ${c.ks[1]} (${r.method})`);
    t.ok(close(wasserstein(c.a, c.b), c.w), `${label}: Wasserstein ${c.w}`);
    t.ok(close(normedWasserstein(c.a, c.b), c.wn), `${label}: normed Wasserstein ${c.wn}`);
    t.ok(close(jensenShannonDrift(c.a, c.b), c.js), `${label}: Jensen–Shannon on 30 shared bins ${c.js}`);
    t.ok(close(psi(c.a, c.b), c.psi), `${label}: PSI ${c.psi}`);
    const m = Math.min(c.a.length, c.b.length);
    t.ok(close(pearson(c.a.slice(0, m), c.b.slice(0, m)), c.r), `${label}: Pearson ${c.r}`);
  }
  t.ok(exact >= 5 && asymp >= 3, `both KS paths were exercised (exact ${exact}, asymptotic ${asymp})`);
  t.ok(ref.cases.some((c) => c.ks[1] < 0.05) && ref.cases.some((c) => c.ks[1] > 0.5), 'small and large p-values among the cases');
  for (const [n, x, want] of ref.sf) t.ok(close(kolmogorovSf(n, x), want), `kstwo.sf(${x}, ${n}) = ${want}, got ${kolmogorovSf(n, x)}`);
});
