import t from 'tap';
import { kFold, trainTestSplit, trainValidationTestSplit } from '../../src/pipeline/split.js';
import { python, sklearnMissing } from '../kit/python.js';

t.test('train/test sizes follow scikit-learn (n_test = ceil(test_size · n))', async (t) => {
  const s = trainTestSplit(1000, 0.2, 42);
  t.equal(s.test.length, 200);
  t.equal(s.train.length, 800);
  const odd = trainTestSplit(11, 0.25, 1);
  t.equal(odd.test.length, 3, 'ceil(2.75)');
  t.equal(odd.train.length, 8);
  const all = new Set([...odd.train, ...odd.test]);
  t.equal(all.size, 11, 'a partition of the rows');
  t.throws(() => trainTestSplit(10, 0, 1), { name: 'BentoError', code: 'BAD_CONFIG' });
  t.throws(() => trainTestSplit(1, 0.5, 1), { name: 'BentoError', code: 'BAD_DATA' });
});

t.test('60/20/20 split: disjoint, complete, deterministic', async (t) => {
  const a = trainValidationTestSplit(1000, 0.2, 0.25, 42);
  t.same([a.train.length, a.validation.length, a.test.length], [600, 200, 200]);
  t.equal(new Set([...a.train, ...a.validation, ...a.test]).size, 1000);
  const b = trainValidationTestSplit(1000, 0.2, 0.25, 42);
  t.same(Array.from(a.train), Array.from(b.train));
  const c = trainValidationTestSplit(1000, 0.2, 0.25, 43);
  t.not(Array.from(a.train).join(), Array.from(c.train).join(), 'another seed, another split');
});

t.test('KFold without shuffling: contiguous folds, first n % k one larger', async (t) => {
  const folds = kFold(12, 5);
  t.same(folds.map((f) => Array.from(f.test)), [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9], [10, 11]]);
  t.same(Array.from(folds[1]!.train), [0, 1, 2, 6, 7, 8, 9, 10, 11]);
  t.throws(() => kFold(3, 5), { name: 'BentoError', code: 'BAD_DATA' });
  t.throws(() => kFold(10, 1), { name: 'BentoError', code: 'BAD_CONFIG' });
});

t.test('identical to scikit-learn train_test_split and KFold', { skip: sklearnMissing() }, async (t) => {
  const sizes = [1000, 999, 37];
  const ref = python<{ train: number[]; val: number[]; test: number[]; folds: number[][] }[]>(`
import json, numpy as np
from sklearn.model_selection import train_test_split, KFold
out = []
for n in ${JSON.stringify(sizes)}:
    idx = np.arange(n)
    tr, te = train_test_split(idx, test_size=0.2, random_state=42)
    tr, va = train_test_split(tr, test_size=0.25, random_state=42)
    folds = [test.tolist() for _, test in KFold(5).split(tr)]
    out.append({"train": tr.tolist(), "val": va.tolist(), "test": te.tolist(), "folds": folds})
print(json.dumps(out))`);
  sizes.forEach((n, i) => {
    const s = trainValidationTestSplit(n, 0.2, 0.25, 42);
    t.same(Array.from(s.train), ref[i]!.train, `train rows, n=${n}`);
    t.same(Array.from(s.validation), ref[i]!.val, `validation rows, n=${n}`);
    t.same(Array.from(s.test), ref[i]!.test, `test rows, n=${n}`);
    t.same(kFold(s.train.length, 5).map((f) => Array.from(f.test)), ref[i]!.folds, `fold positions, n=${n}`);
  });
});
