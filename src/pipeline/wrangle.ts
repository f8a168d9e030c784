/**
 * Applies a data set's cleaning rules (rules.ts) to a whole training table, column by column and in
 * order, as the original pandas pipeline did: a `fill_mean` takes the mean of the values left by the
 * rules before it (over the rows still kept, that have a value), so a fill placed before `drop_missing`
 * also counts rows dropped afterwards. pandas' NA strings count as missing. Finally the features and
 * the target are taken out; a row still missing one of them is dropped (a model cannot learn from it).
 */
import { BentoError } from '../errors.js';
import type { PreprocessingRule } from '../models/model-info.js';
import type { CsvTable } from './csv.js';
import { clip } from './rules.js';

export type ColumnType = 'number' | 'string';

/** What the pipeline knows of a data set: its columns, what to learn from what, and how to clean it. */
export interface DatasetSpec {
  /** Declared columns and their types; columns of the file not declared here are ignored. */
  columns: Record<string, ColumnType>;
  target: string;
  /** The model inputs, in order (number columns). */
  features: string[];
  /** Applied in order. */
  rules: PreprocessingRule[];
}

export interface WrangledData {
  /** Row-major features, `rows × features.length`, after the rules. */
  x: Float64Array;
  /** The target per kept row. */
  y: Float64Array;
  rows: number;
  /** The declared string columns of the file, per kept row, after renames ('' where missing). */
  text: Record<string, string[]>;
  /** 1-based line of each kept row in the source file. */
  lines: number[];
  /** Data rows read from the file. */
  sourceRows: number;
  /** Rows dropped for a missing value. */
  dropped: number;
  /** The value each `fill_mean` rule learned, by column; stored with the model for serving. */
  fill: Record<string, number>;
}

// pandas' default NA strings: read_csv turns these into NaN, so the original pipeline saw them as missing.
export const NA_STRINGS: ReadonlySet<string> = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Why a CSV cell is not a number (undefined when it is one, or missing). */
export function notANumber(raw: string): string | undefined {
  if (NA_STRINGS.has(raw)) return undefined;
  // "1e400" matches NUMBER but is Infinity, which no split, mean or chart survives
  return !NUMBER.test(raw) ? 'not a number' : !Number.isFinite(Number(raw)) ? 'not a finite number' : undefined;
}

type Cell = number | string | undefined;

/**
 * Applies `spec` to a parsed CSV table. The features and the target are required columns; a cell of a
 * number column that is neither missing nor a number is a BAD_DATA error naming file, line and column.
 */
export function wrangle(table: CsvTable, file: string, spec: DatasetSpec): WrangledData {
  const col = new Map(table.header.map((h, i) => [h, i] as const));
  const required = [...spec.features, spec.target];
  const missingCols = required.filter((c) => !col.has(c));
  if (missingCols.length > 0) {
    throw new BentoError('BAD_DATA', `${file}: missing required column${missingCols.length > 1 ? 's' : ''} ${missingCols.map((c) => `"${c}"`).join(', ')}`, missingCols.map((c) => ({ path: `${file}:1`, message: `missing column "${c}"` })));
  }
  // The declared columns the file has: number columns first in model order (the order cells are checked in).
  const present = Object.keys(spec.columns).filter((c) => col.has(c));
  const names = [...required, ...present.filter((c) => !required.includes(c))];
  const index = new Map(names.map((c, k) => [c, k] as const));
  const isNumber = names.map((c) => spec.columns[c] !== 'string');

  // Parse: every row as cells in `names` order (undefined = missing).
  let rows: Cell[][] = table.rows.map((cells, r) =>
    names.map((c, k) => {
      const raw = cells[col.get(c)!]!.trim();
      if (NA_STRINGS.has(raw)) return undefined;
      if (!isNumber[k]) return raw;
      const problem = notANumber(raw);
      if (problem) {
        const at = `${file}:${table.lines[r]}`;
        throw new BentoError('BAD_DATA', `${at}: column "${c}" holds "${raw}", ${problem}`, [{ path: `${at}:${c}`, message: problem }]);
      }
      return Number(raw);
    }),
  );
  let lines = table.lines.slice();
  const keepRows = (pred: (row: Cell[]) => boolean): void => {
    const kept = rows.map((row, i) => (pred(row) ? i : -1)).filter((i) => i >= 0);
    rows = kept.map((i) => rows[i]!);
    lines = kept.map((i) => lines[i]!);
  };

  const fill: Record<string, number> = {};
  for (const rule of spec.rules) {
    if ('drop_missing' in rule) {
      const ks = rule.drop_missing.flatMap((c) => (index.has(c) ? [index.get(c)!] : []));
      keepRows((row) => ks.every((k) => row[k] !== undefined));
      continue;
    }
    const c = 'clip' in rule ? rule.clip : 'fill_mean' in rule ? rule.fill_mean : rule.rename;
    const k = index.get(c);
    if (k === undefined) continue; // a rule on a column the file does not have has nothing to do
    if ('clip' in rule) {
      for (const row of rows) if (row[k] !== undefined) row[k] = clip(row[k] as number, rule);
    } else if ('fill_mean' in rule) {
      let sum = 0;
      let count = 0;
      for (const row of rows) {
        if (row[k] === undefined) continue;
        sum += row[k] as number;
        count++;
      }
      if (count === 0 && rows.length > 0) {
        throw new BentoError('BAD_DATA', `${file}: column "${c}" has no values to compute its mean from`, [{ path: file, message: `no values in "${c}"` }]);
      }
      const mean = count > 0 ? sum / count : 0;
      fill[c] = mean;
      for (const row of rows) if (row[k] === undefined) row[k] = mean;
    } else {
      for (const row of rows) if (row[k] === rule.from) row[k] = rule.to;
    }
  }
  keepRows((row) => required.every((_, k) => row[k] !== undefined));

  const nf = spec.features.length;
  const x = new Float64Array(rows.length * nf);
  const y = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    for (let j = 0; j < nf; j++) x[i * nf + j] = row[j] as number;
    y[i] = row[nf] as number;
  });
  const text: Record<string, string[]> = {};
  names.forEach((c, k) => {
    if (!isNumber[k]) text[c] = rows.map((row) => (row[k] as string | undefined) ?? '');
  });
  return { x, y, rows: rows.length, text, lines, sourceRows: table.rows.length, dropped: table.rows.length - rows.length, fill };
}
