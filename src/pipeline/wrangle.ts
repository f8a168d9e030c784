/**
 * The original pipeline's validation and wrangling rules, for a whole training table and for one
 * serving record:
 * - `Distance (km)` above 30 is clamped to 30; `Average Heart rate (tpm)` below 60 is raised to 60;
 * - a missing heart rate is filled with the column mean (computed after clamping, over the rows that have one);
 * - rows with any other missing value are dropped; `Type` "Other" becomes "Walking";
 * - the model input is the five features in order (and `Quality` when training).
 */
import { BentoError } from '../errors.js';
import type { CsvTable } from './csv.js';
import { COLUMNS, FEATURES, FILLED_FEATURE, MAX_DISTANCE, MIN_HEART_RATE, TARGET } from './schema.js';

/** The value a missing heart rate is filled with (the training data's mean); stored with the model. */
export type Fill = Record<typeof FILLED_FEATURE, number>;

export interface WrangledData {
  /** Row-major features, `rows × FEATURES.length`, after clamping and filling. */
  x: Float64Array;
  /** The target (`Quality`) per kept row. */
  y: Float64Array;
  rows: number;
  /** `Type` per kept row after renaming "Other" to "Walking" ('' when the file has no Type column). */
  types: string[];
  /** 1-based line of each kept row in the source file. */
  lines: number[];
  /** Data rows read from the file. */
  sourceRows: number;
  /** Rows dropped for a missing value. */
  dropped: number;
  fill: Fill;
}

// pandas' default NA strings: read_csv turns these into NaN, so the original pipeline saw them as missing.
const NA = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Applies the validation clamps to one feature value. */
export function clampFeature(feature: string, value: number): number {
  if (feature === 'Distance (km)' && value > MAX_DISTANCE) return MAX_DISTANCE;
  if (feature === FILLED_FEATURE && value < MIN_HEART_RATE) return MIN_HEART_RATE;
  return value;
}

/**
 * Turns one record (as a client posts it) into the model's input row, in FEATURES order: a missing
 * (null, undefined or NaN) heart rate takes `fill`, then the clamps apply. Extra fields are ignored.
 * Pure; throws BentoError('INVALID_INPUT') naming the field when another feature is missing or not a number.
 *
 * @example
 *   preprocessRecord({ 'Distance (km)': 31, 'Average Speed (km/h)': 11.08, 'Calories Burned': 1266,
 *     'Climb (m)': 98 }, { 'Average Heart rate (tpm)': 104.9 }) // → [30, 11.08, 1266, 98, 104.9]
 */
export function preprocessRecord(record: Readonly<Record<string, unknown>>, fill: Fill): number[] {
  const out: number[] = [];
  for (const f of FEATURES) {
    let v = record[f];
    if (f === FILLED_FEATURE && (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)))) {
      v = fill[FILLED_FEATURE];
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const what = v === undefined || v === null ? 'is missing' : 'must be a finite number';
      throw new BentoError('INVALID_INPUT', `"${f}" ${what}`, [{ path: `/${f}`, message: what }]);
    }
    out.push(clampFeature(f, v));
  }
  return out;
}

/**
 * Applies the training-side rules to a parsed CSV table. The five features and `Quality` are required
 * columns; a cell in them that is neither missing nor a number is a BAD_DATA error naming file, line and column.
 */
export function wrangle(table: CsvTable, file: string): WrangledData {
  const col = new Map(table.header.map((h, i) => [h, i] as const));
  const required = [...FEATURES, TARGET];
  const missingCols = required.filter((c) => !col.has(c));
  if (missingCols.length > 0) {
    throw new BentoError('BAD_DATA', `${file}: missing required column${missingCols.length > 1 ? 's' : ''} ${missingCols.map((c) => `"${c}"`).join(', ')}`, missingCols.map((c) => ({ path: `${file}:1`, message: `missing column "${c}"` })));
  }
  const numeric = required.map((c) => col.get(c)!);
  // The other schema columns take part in the "drop rows with a missing value" rule when present.
  const others = COLUMNS.filter((c) => !required.includes(c) && col.has(c)).map((c) => col.get(c)!);
  const typeCol = col.get('Type');
  const hrPos = FEATURES.indexOf(FILLED_FEATURE);

  // Pass 1: parse and clamp, collect the heart-rate mean (the fill happens before rows are dropped).
  const parsed: (number | undefined)[][] = [];
  let hrSum = 0;
  let hrCount = 0;
  for (let r = 0; r < table.rows.length; r++) {
    const cells = table.rows[r]!;
    const values = numeric.map((c, k) => {
      const raw = cells[c]!.trim();
      if (NA.has(raw)) return undefined;
      const v = Number(raw);
      // "1e400" matches NUMBER but is Infinity, which no split, mean or chart survives
      const problem = !NUMBER.test(raw) ? 'not a number' : !Number.isFinite(v) ? 'not a finite number' : undefined;
      if (problem) {
        const at = `${file}:${table.lines[r]}`;
        throw new BentoError('BAD_DATA', `${at}: column "${required[k]}" holds "${raw}", ${problem}`, [{ path: `${at}:${required[k]}`, message: problem }]);
      }
      return k < FEATURES.length ? clampFeature(FEATURES[k]!, v) : v;
    });
    const hr = values[hrPos];
    if (hr !== undefined) {
      hrSum += hr;
      hrCount++;
    }
    parsed.push(values);
  }
  if (hrCount === 0 && table.rows.length > 0) {
    throw new BentoError('BAD_DATA', `${file}: column "${FILLED_FEATURE}" has no values to compute its mean from`, [{ path: file, message: 'no heart rate values' }]);
  }
  const mean = hrCount > 0 ? hrSum / hrCount : 0;

  // Pass 2: fill, drop incomplete rows, rename types.
  const keep: number[] = [];
  for (let r = 0; r < parsed.length; r++) {
    const values = parsed[r]!;
    if (values[hrPos] === undefined) values[hrPos] = mean;
    if (values.some((v) => v === undefined)) continue;
    if (others.some((c) => NA.has(table.rows[r]![c]!.trim()))) continue;
    keep.push(r);
  }
  const nf = FEATURES.length;
  const x = new Float64Array(keep.length * nf);
  const y = new Float64Array(keep.length);
  keep.forEach((r, i) => {
    const values = parsed[r]! as number[];
    for (let j = 0; j < nf; j++) x[i * nf + j] = values[j]!;
    y[i] = values[nf]!;
  });
  const types = keep.map((r) => {
    const t = typeCol === undefined ? '' : table.rows[r]![typeCol]!.trim();
    return t === 'Other' ? 'Walking' : t;
  });
  return {
    x,
    y,
    rows: keep.length,
    types,
    lines: keep.map((r) => table.lines[r]!),
    sourceRows: table.rows.length,
    dropped: table.rows.length - keep.length,
    fill: { [FILLED_FEATURE]: mean },
  };
}
