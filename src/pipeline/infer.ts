/**
 * A data set described by flags alone (`bento train --data FILE --target COLUMN [--features A,B]`), for a
 * CSV the project has no catalog for: the features default to every other numeric column, and the only
 * rule drops rows missing a feature or the target.
 */
import path from 'node:path';
import { BentoError } from '../errors.js';
import { NAME_RE } from '../store/tag.js';
import type { CsvTable } from './csv.js';
import { NA_STRINGS, notANumber, type DatasetSpec } from './wrangle.js';

export interface InferOptions {
  target: string;
  /** The model inputs in order; default every numeric column but the target, in file order. */
  features?: readonly string[];
}

/** Whether every cell of column `c` that is not missing is a number, and at least one is present. */
function isNumeric(table: CsvTable, c: number): boolean {
  let seen = false;
  for (const cells of table.rows) {
    const raw = cells[c]!.trim();
    if (NA_STRINGS.has(raw)) continue;
    if (notANumber(raw)) return false;
    seen = true;
  }
  return seen;
}

/**
 * Describes a CSV from its header and cells. An unknown column in `target`/`features` is BAD_ARGUMENT
 * naming it and the file; a non-numeric feature or target is BAD_DATA (from `wrangle`, with the line).
 */
export function inferDataset(table: CsvTable, file: string, opts: InferOptions): DatasetSpec {
  const known = (flag: string, c: string): string => {
    if (table.header.includes(c)) return c;
    throw new BentoError('BAD_ARGUMENT', `${flag} "${c}": ${file} has no such column (columns: ${table.header.join(', ')})`, [{ path: `${file}:1`, message: `no column "${c}"` }]);
  };
  const target = known('--target', opts.target);
  let features: string[];
  if (opts.features !== undefined) {
    features = opts.features.map((f) => known('--features', f));
    if (features.length === 0) throw new BentoError('BAD_ARGUMENT', '--features: name at least one column');
    if (features.includes(target)) throw new BentoError('BAD_ARGUMENT', `--features "${target}": that column is the target`);
    const twice = features.find((f, i) => features.indexOf(f) !== i);
    if (twice !== undefined) throw new BentoError('BAD_ARGUMENT', `--features "${twice}": listed twice`);
  } else {
    features = table.header.filter((h, c) => h !== target && isNumeric(table, c));
    if (features.length === 0) {
      throw new BentoError('BAD_DATA', `${file}: no numeric column besides the target "${target}" to learn from`, [{ path: file, message: 'no numeric feature column' }]);
    }
  }
  const columns = Object.fromEntries([...features, target].map((c) => [c, 'number' as const]));
  return { columns, target, features, rules: [{ drop_missing: [...features, target] }] };
}

/**
 * A model name from a data file's name: `data/Houses 2024.csv` → `houses_2024`. BAD_ARGUMENT when
 * nothing usable is left (then `--name` is needed).
 */
export function modelNameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.[^.]*$/, '');
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '_')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (!NAME_RE.test(name)) throw new BentoError('BAD_ARGUMENT', `cannot make a model name from "${path.basename(file)}": give one with --name`);
  return name;
}
