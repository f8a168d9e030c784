import t from 'tap';
import { MT19937, RandR, permutation } from '../../src/forest/random.js';
import { python, sklearnMissing } from '../kit/python.js';

t.test('MT19937 reproduces numpy RandomState(42)', async (t) => {
  const r = new MT19937(42);
  // numpy: RandomState(42).randint(0, 2**32, size=2, dtype=np.uint64) → [1608637542, 3421126067]
  t.same([r.nextUint32(), r.nextUint32()], [1608637542, 3421126067]);
  // numpy: RandomState(42).random_sample() → 0.3745401188473625
  t.equal(new MT19937(42).random(), 0.3745401188473625);
  // numpy: RandomState(42).randint(2147483647, size=5)
  const r2 = new MT19937(42);
  t.same(Array.from({ length: 5 }, () => r2.randint(0, 2147483647)), [1608637542, 1273642419, 1935803228, 787846414, 996406378]);
  // numpy: RandomState(7).randint(0, 480, 8) — masked rejection on a non-power-of-two range
  const r3 = new MT19937(7);
  t.same(Array.from({ length: 8 }, () => r3.randint(0, 480)), [175, 196, 25, 67, 211, 407, 103, 348]);
});

t.test('permutation matches numpy RandomState(seed).permutation(n)', async (t) => {
  t.same(Array.from(permutation(10, 42)), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
  t.same(Array.from(permutation(1, 3)), [0]);
  t.same(Array.from(permutation(0, 3)), []);
});

t.test('peekBounded returns the next bounded draw without consuming it', async (t) => {
  const a = new MT19937(123);
  const peeked = a.peekBounded(0x7ffffffe);
  t.equal(peeked, new MT19937(123).bounded(0x7ffffffe));
  // the stream is untouched: the next draws are those of a fresh generator
  const b = new MT19937(123);
  t.same([a.randint(0, 480), a.randint(0, 480)], [b.randint(0, 480), b.randint(0, 480)]);
});

t.test('seeds outside numpy range are refused', async (t) => {
  t.throws(() => new MT19937(-1), { name: 'BentoError', code: 'BAD_CONFIG' });
  t.throws(() => new MT19937(2 ** 32), { name: 'BentoError', code: 'BAD_CONFIG' });
  t.throws(() => new MT19937(1.5), { name: 'BentoError', code: 'BAD_CONFIG' });
});

t.test('RandR is the xorshift of scikit-learn (our_rand_r), never stuck at 0', async (t) => {
  const r = new RandR(0); // seed 0 is replaced by 1, as in scikit-learn
  const first = r.next();
  // by hand: s = 1; s ^= s << 13 → 8193; s ^= s >>> 17 → 8193; s ^= s << 5 → 270369
  t.equal(first, 270369);
  for (let i = 0; i < 1000; i++) {
    const v = r.int(2, 7);
    if (v < 2 || v >= 7) t.fail(`out of range: ${v}`);
  }
});

t.test('against numpy for many seeds and sizes', { skip: sklearnMissing() }, async (t) => {
  const cases = [[1000, 42], [800, 42], [17, 0], [600, 4294967295], [5000, 12345]] as const;
  const expected = python<number[][]>(
    `import json, numpy as np; print(json.dumps([np.random.RandomState(s).permutation(n).tolist() for n, s in ${JSON.stringify(cases)}]))`,
  );
  cases.forEach(([n, s], i) => t.same(Array.from(permutation(n, s)), expected[i], `permutation(${n}, ${s})`));
  const draws = python<number[]>(`import json, numpy as np; print(json.dumps(np.random.RandomState(99).randint(0, 37, 500).tolist()))`);
  const r = new MT19937(99);
  t.same(Array.from({ length: 500 }, () => r.randint(0, 37)), draws, 'randint(0, 37, 500)');
});
