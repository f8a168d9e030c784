/**
 * The training parameters file (`conf/base/parameters.yml`): the split, the fixed model parameters,
 * the searched grid and the cross-validation. Read → validated → resolved; every mistake is a
 * BAD_CONFIG error naming the key and the file.
 */
import { DEFAULT_FOREST_PARAMS, type ForestParams } from '../forest/trainer.js';
import { GRID_KEYS, type Grid, type GridKey } from './grid-search.js';
import { checkKeys, isObject, parseConfig, readConfigFile, type Fail } from './yaml-config.js';

export interface SplitParams {
  /** Fraction of the rows held out as the test split. */
  test_size: number;
  /** Fraction of the remaining rows held out as the validation split. */
  val_size: number;
  random_state: number;
}

export interface CvParams {
  folds: number;
  scoring: 'neg_mean_absolute_error';
}

/** The resolved parameters file. Model keys left out take scikit-learn's RandomForestRegressor defaults. */
export interface TrainingParams {
  split: SplitParams;
  model: ForestParams;
  grid: Grid;
  cv: CvParams;
}

type Check = (v: unknown) => string | undefined;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const intIn =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v) =>
    isInt(v) && v >= min && v <= max ? undefined : `must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`;
const fraction: Check = (v) => (typeof v === 'number' && v > 0 && v < 1 ? undefined : 'must be a number between 0 and 1 (exclusive)');
const seed = intIn(0, 0xffffffff);

const MODEL_CHECKS: Record<keyof ForestParams, Check> = {
  n_estimators: intIn(1),
  max_depth: (v) => (v === null || (isInt(v) && v >= 1) ? undefined : 'must be an integer ≥ 1 or null'),
  max_features: (v) =>
    v === 'sqrt' || v === 'log2' || (typeof v === 'number' && ((v > 0 && v <= 1) || (Number.isInteger(v) && v > 1)))
      ? undefined
      : 'must be a fraction in (0, 1] (1.0 = all features), an integer count > 1, "sqrt" or "log2"',
  min_samples_split: intIn(2),
  min_samples_leaf: intIn(1),
  bootstrap: (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  random_state: seed,
};
const SPLIT_CHECKS: Record<keyof SplitParams, Check> = { test_size: fraction, val_size: fraction, random_state: seed };
const CV_CHECKS: Record<keyof CvParams, Check> = {
  folds: intIn(2),
  scoring: (v) => (v === 'neg_mean_absolute_error' ? undefined : 'must be "neg_mean_absolute_error" (the only scoring supported)'),
};
const SECTIONS = ['split', 'model', 'grid', 'cv'] as const;

/**
 * The parameters used when a project has no parameters file (`bento train --data … --target …` in a bare
 * folder): the original pipeline's 60/20/20 split, 100 trees, the depth × seed grid and 5-fold CV.
 */
export const DEFAULT_TRAINING_PARAMS: TrainingParams = {
  split: { test_size: 0.2, val_size: 0.25, random_state: 42 },
  model: { ...DEFAULT_FOREST_PARAMS },
  grid: { max_depth: [1, 2, 3], random_state: [41, 42, 43, 44] },
  cv: { folds: 5, scoring: 'neg_mean_absolute_error' },
};

/** Reads and validates a parameters file. Throws FILE_NOT_FOUND or BAD_CONFIG. */
export async function loadParams(file: string): Promise<TrainingParams> {
  return parseParams(await readConfigFile(file, 'parameters'), file);
}

/** Validates the text of a parameters file (`file` names it in errors). */
export function parseParams(text: string, file: string): TrainingParams {
  const { root, fail } = parseConfig(text, file);
  if (!isObject(root)) fail([], 'the file must be a mapping with the sections split, model, grid, cv');
  const top = root as Record<string, unknown>;
  checkKeys(top, SECTIONS, [], fail);
  for (const s of ['split', 'cv'] as const) if (top[s] === undefined) fail([s], 'is required');
  for (const s of SECTIONS) if (top[s] !== undefined && top[s] !== null && !isObject(top[s])) fail([s], 'must be a mapping');

  const split = section(top.split, 'split', SPLIT_CHECKS, true, fail) as unknown as SplitParams;
  const cv = section(top.cv, 'cv', CV_CHECKS, true, fail) as unknown as CvParams;
  const model = { ...DEFAULT_FOREST_PARAMS, ...section(top.model ?? {}, 'model', MODEL_CHECKS, false, fail) } as ForestParams;

  const grid: Grid = {};
  const g = (top.grid ?? {}) as Record<string, unknown>;
  checkKeys(g, GRID_KEYS, ['grid'], fail);
  for (const k of Object.keys(g) as GridKey[]) {
    const values = g[k];
    if (!Array.isArray(values) || values.length === 0) fail(['grid', k], 'must be a non-empty list of values');
    (values as unknown[]).forEach((v, i) => {
      const problem = MODEL_CHECKS[k](v);
      if (problem) fail(['grid', k, String(i)], problem);
    });
    (grid as Record<string, unknown>)[k] = values;
  }
  return { split, model, grid, cv };
}

function section(value: unknown, name: string, checks: Record<string, Check>, required: boolean, fail: Fail): Record<string, unknown> {
  const obj = (value ?? {}) as Record<string, unknown>;
  checkKeys(obj, Object.keys(checks), [name], fail);
  const out: Record<string, unknown> = {};
  for (const [k, check] of Object.entries(checks)) {
    if (obj[k] === undefined) {
      if (required) fail([name, k], 'is required');
      continue;
    }
    const problem = check(obj[k]);
    if (problem) fail([name, k], problem);
    out[k] = obj[k];
  }
  return out;
}
