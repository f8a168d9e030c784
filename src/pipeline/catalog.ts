/**
 * The project's data catalog (`conf/base/catalog.yml`, Kedro style): which CSV to train on, its columns
 * and their types, the target, the features in model order, the cleaning rules and the model's name.
 * Read → validated → resolved; every mistake is a BAD_CONFIG error naming `file:line` and the key.
 *
 * @example conf/base/catalog.yml
 *   model: houses_regressor
 *   data: data/01_raw/houses.csv          # relative to the project folder
 *   columns: { rooms: number, area: number, street: string, price: number }
 *   target: price
 *   features: [rooms, area]
 *   rules:
 *     - clip: rooms
 *       max: 10
 *     - fill_mean: area
 *     - drop_missing: all                 # every declared column, like pandas' dropna()
 */
import { NAME_RE } from '../store/tag.js';
import type { PreprocessingRule } from '../models/model-info.js';
import { RULE_KEYS, ruleColumns, ruleProblem } from './rules.js';
import type { ColumnType, DatasetSpec } from './wrangle.js';
import { checkKeys, isObject, parseConfig, readConfigFile, type Fail } from './yaml-config.js';

/** The resolved catalog: a data set and the name its model is stored under. */
export interface Catalog extends DatasetSpec {
  /** The model's name in the store. */
  model: string;
  /** The CSV file, relative to the project folder (or absolute). */
  data: string;
}

const KEYS = ['model', 'data', 'columns', 'target', 'features', 'rules'] as const;
const TYPES: readonly ColumnType[] = ['number', 'string'];

/** Reads and validates a catalog file. Throws FILE_NOT_FOUND or BAD_CONFIG. */
export async function loadCatalog(file: string): Promise<Catalog> {
  return parseCatalog(await readConfigFile(file, 'catalog'), file);
}

/** Validates the text of a catalog file (`file` names it in errors). */
export function parseCatalog(text: string, file: string): Catalog {
  const { root, fail } = parseConfig(text, file);
  if (!isObject(root)) return fail([], `the file must be a mapping with the keys ${KEYS.join(', ')}`);
  checkKeys(root, KEYS, [], fail);
  for (const k of KEYS) if (k !== 'rules' && root[k] === undefined) fail([k], 'is required');

  if (typeof root.model !== 'string' || !NAME_RE.test(root.model)) {
    fail(['model'], 'must be a model name: lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit');
  }
  if (typeof root.data !== 'string' || root.data === '') fail(['data'], 'must be the path of a CSV file');

  if (!isObject(root.columns) || Object.keys(root.columns).length === 0) fail(['columns'], 'must map each column name to its type (number or string)');
  const columns = root.columns as Record<string, unknown>;
  for (const [name, type] of Object.entries(columns)) {
    if (!TYPES.includes(type as ColumnType)) fail(['columns', name], `must be one of: ${TYPES.join(', ')}`);
  }
  const typed = columns as Record<string, ColumnType>;
  const numberColumn = (path: string[], name: unknown, what: string): string => {
    if (typeof name !== 'string' || typed[name] === undefined) return fail(path, `must be one of the columns (${Object.keys(typed).join(', ')})`);
    if (typed[name] !== 'number') return fail(path, `"${name}" is a ${typed[name]} column; ${what} must be a number column`);
    return name;
  };

  const target = numberColumn(['target'], root.target, 'the target');
  if (!Array.isArray(root.features) || root.features.length === 0) fail(['features'], 'must be a non-empty list of columns (the model inputs, in order)');
  const features = (root.features as unknown[]).map((f, i) => {
    const name = numberColumn(['features', String(i)], f, 'a feature');
    if (name === target) fail(['features', String(i)], `"${name}" is the target`);
    return name;
  });
  const twice = features.find((f, i) => features.indexOf(f) !== i);
  if (twice !== undefined) fail(['features', String(features.lastIndexOf(twice))], `"${twice}" is listed twice`);

  if (root.rules !== undefined && root.rules !== null && !Array.isArray(root.rules)) fail(['rules'], 'must be a list of rules');
  const rules = ((root.rules ?? []) as unknown[]).map((raw, i) => resolveRule(raw, ['rules', String(i)], typed, fail));
  return { model: root.model as string, data: root.data as string, columns: { ...typed }, target, features, rules };
}

/** Checks one rule as written and resolves it (`drop_missing: all` → every declared column). */
function resolveRule(raw: unknown, path: string[], columns: Record<string, ColumnType>, fail: Fail): PreprocessingRule {
  const all = Object.keys(columns);
  const rule = isObject(raw) && raw.drop_missing === 'all' ? { ...raw, drop_missing: all } : raw;
  const problem = ruleProblem(rule);
  if (problem) fail(problem.key ? [...path, problem.key] : path, problem.message);
  const r = rule as PreprocessingRule;
  const key = Object.keys(RULE_KEYS).find((k) => k in r)!;
  ruleColumns(r).forEach((name, j) => {
    const at = 'drop_missing' in r ? [...path, key, String(j)] : [...path, key];
    if (columns[name] === undefined) fail(at, `names "${name}", which is not one of the columns (${all.join(', ')})`);
    const wants: ColumnType = 'rename' in r ? 'string' : 'number';
    if (!('drop_missing' in r) && columns[name] !== wants) fail(at, `"${name}" is a ${columns[name]} column; a ${key} rule needs a ${wants} column`);
  });
  return r;
}
