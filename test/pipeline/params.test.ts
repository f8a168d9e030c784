import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../kit/project.js';
import { BentoError } from '../../src/errors.js';
import { loadParams, parseParams } from '../../src/pipeline/params.js';
import { PARAMS } from '../kit/python.js';

t.test('the project parameters file holds the original pipeline settings', async (t) => {
  const p = await loadParams(PARAMS);
  t.same(p.split, { test_size: 0.2, val_size: 0.25, random_state: 42 });
  t.same(p.grid, { max_depth: [1, 2, 3], random_state: [41, 42, 43, 44] });
  t.same(p.cv, { folds: 5, scoring: 'neg_mean_absolute_error' });
  t.match(p.model, { n_estimators: 100, max_features: 1, min_samples_split: 2, min_samples_leaf: 1, bootstrap: true, max_depth: null });
});

const VALID = `split: {test_size: 0.2, val_size: 0.25, random_state: 42}
model: {n_estimators: 10}
grid: {max_depth: [2]}
cv: {folds: 3, scoring: neg_mean_absolute_error}
`;

t.test('model keys left out take scikit-learn defaults', async (t) => {
  const p = parseParams(VALID, 'p.yml');
  t.same(p.model, { n_estimators: 10, max_depth: null, max_features: 1, min_samples_split: 2, min_samples_leaf: 1, bootstrap: true, random_state: 42 });
});

t.test('mistakes are BAD_CONFIG errors naming the key and the file', async (t) => {
  const cases: [string, RegExp][] = [
    [VALID.replace('model: {', 'model: {n_estimator: 5, '), /^p\.yml:2: "model\.n_estimator" is not a known key/],
    [VALID + 'extra: 1\n', /^p\.yml:5: "extra" is not a known key \(expected one of: split, model, grid, cv\)/],
    [VALID.replace('n_estimators: 10', 'n_estimators: "ten"'), /"model\.n_estimators" must be an integer from 1/],
    [VALID.replace('test_size: 0.2', 'test_size: 20'), /"split\.test_size" must be a number between 0 and 1/],
    [VALID.replace('max_depth: [2]', 'max_depth: [2, 0]'), /^p\.yml:3: "grid\.max_depth\.1" must be an integer ≥ 1 or null/],
    [VALID.replace('max_depth: [2]', 'max_depth: 2'), /"grid\.max_depth" must be a non-empty list/],
    [VALID.replace('max_depth: [2]', 'criterion: [gini]'), /"grid\.criterion" is not a known key/],
    [VALID.replace('scoring: neg_mean_absolute_error', 'scoring: r2'), /"cv\.scoring" must be "neg_mean_absolute_error"/],
    [VALID.replace('split: {test_size: 0.2, val_size: 0.25, random_state: 42}\n', ''), /"split" is required/],
    [VALID.replace(', random_state: 42', ''), /"split\.random_state" is required/],
    [VALID.replace('model: {n_estimators: 10}', 'model: {bootstrap: yes please}'), /"model\.bootstrap" must be true or false/],
    [VALID.replace('model: {n_estimators: 10}', 'model: [1, 2]'), /"model" must be a mapping/],
    ['split: [\n', /^p\.yml(:\d+)?: invalid YAML/],
    ['- 1\n- 2\n', /the file must be a mapping/],
  ];
  for (const [text, message] of cases) {
    try {
      parseParams(text, 'p.yml');
      t.fail(`accepted: ${text}`);
    } catch (err) {
      t.ok(err instanceof BentoError, 'a BentoError');
      t.equal((err as BentoError).code, 'BAD_CONFIG');
      t.match((err as BentoError).message, message);
    }
  }
});

t.test('a missing file is FILE_NOT_FOUND; a real file on disk is read', async (t) => {
  await t.rejects(loadParams('/nonexistent/parameters.yml'), { code: 'FILE_NOT_FOUND' });
  const dir = await tempDir(t, 'bento-params-');
  await t.rejects(loadParams(dir), { code: 'FILE_NOT_FOUND' }, 'a folder is not a parameters file either');
  const file = path.join(dir, 'parameters.yml');
  writeFileSync(file, VALID.replace('folds: 3', 'folds: 1'));
  await t.rejects(loadParams(file), { code: 'BAD_CONFIG', message: new RegExp(`^${file.replace(/[.]/g, '\\.')}:4: "cv\\.folds" must be an integer from 2`) });
});
