/**
 * The cleaning rules of the training pipeline, one definition for both sides: `wrangle.ts` applies them to
 * the training table, `recordPreprocessor` applies the rules a model stored to each record it serves, so
 * training and serving cannot disagree. Pure and free of Node-only imports: it is bundled into every bento.
 *
 * A rule is one of (applied in order):
 * - `{ clip: COLUMN, min?, max? }`: values below `min` become `min`, above `max` become `max`;
 * - `{ fill_mean: COLUMN }`: a missing value takes the column's training mean (learned after the rules before it);
 * - `{ drop_missing: [COLUMN, …] }`: a training row missing one of them is dropped (a served record is never
 *   dropped: a missing feature is a 400 instead);
 * - `{ rename: COLUMN, from, to }`: a category value is renamed (features are numeric, so serving ignores it).
 */
import { BentoError } from '../errors.js';
import type { ModelPreprocessing, PreprocessingRule } from '../models/model-info.js';
import { checkPreprocessing } from '../models/preprocessing.js';

export type { ModelPreprocessing, PreprocessingRule };
export { RULE_KEYS, ruleColumns, ruleKind, ruleProblem, type RuleKind, type RuleProblem } from '../models/preprocessing.js';

/** A value of a clip rule's column after the rule. */
export function clip(value: number, rule: { min?: number; max?: number }): number {
  if (rule.max !== undefined && value > rule.max) return rule.max;
  if (rule.min !== undefined && value < rule.min) return rule.min;
  return value;
}

/** What a model tells serving: its features and, when trained here, its stored preprocessing. */
export interface PreprocessedModel {
  features: readonly string[];
  preprocessing?: ModelPreprocessing | undefined;
  name?: string;
  version?: string;
}

/** One record → the model's input row, in feature order. */
export type RecordPreprocessor = (record: Readonly<Record<string, unknown>>) => number[];

// A served value a fill rule replaces: absent, null, or NaN (what a missing number becomes).
const isMissing = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v));

type Step = { clip: { min?: number; max?: number } } | { fill: number };

/** A served model's features and, by feature, the stored steps in order (clip; fill a missing value). */
function servingSteps(model: PreprocessedModel): { features: string[]; steps: Step[][] } {
  const features = [...model.features];
  const steps: Step[][] = features.map(() => []);
  if (model.preprocessing !== undefined) {
    const label = model.name ? `model ${model.name}${model.version ? `:${model.version}` : ''}` : 'model';
    const pre = checkPreprocessing(model.preprocessing, features, label);
    for (const rule of pre.rules) {
      const j = 'clip' in rule ? features.indexOf(rule.clip) : 'fill_mean' in rule ? features.indexOf(rule.fill_mean) : -1;
      if (j < 0) continue; // drop_missing, rename and rules on other columns do not change a model input
      steps[j]!.push('clip' in rule ? { clip: rule } : { fill: pre.fill[features[j]!]! });
    }
  }
  return { features, steps };
}

/** One served value after its feature's steps: a finite number, or undefined when it is not one. */
function served(v: unknown, steps: readonly Step[]): number | undefined {
  for (const step of steps) {
    if ('fill' in step) {
      if (isMissing(v)) v = step.fill;
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      v = clip(v, step.clip); // a bad value is left for the check below
    }
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The INVALID_INPUT for feature `f` holding `v` (after its steps): missing, or not a finite number. */
function badValue(f: string, v: unknown): BentoError {
  const what = v === undefined || v === null ? 'is missing' : 'must be a finite number';
  return new BentoError('INVALID_INPUT', `"${f}" ${what}`, [{ path: `/${f}`, message: what }]);
}

/**
 * Builds the serving preprocessing from what a model stored: the stored rules, in order, on each feature
 * (clip; fill a missing value from the learned mean), then every feature must be a finite number, else
 * BentoError('INVALID_INPUT') naming the field. A model without stored preprocessing (imported) only
 * requires each feature to be a finite number. Fields that are not features are ignored; the record is
 * not modified.
 *
 * @example
 *   const toRow = recordPreprocessor({ features: ['rooms', 'area'], preprocessing: {
 *     features: ['rooms', 'area'], target: 'price', fill: { area: 80 },
 *     rules: [{ clip: 'rooms', max: 10 }, { fill_mean: 'area' }] } });
 *   toRow({ rooms: 12, area: null, street: 'Elm' }) // → [10, 80]
 */
export function recordPreprocessor(model: PreprocessedModel): RecordPreprocessor {
  const { features, steps } = servingSteps(model);
  return (record) =>
    features.map((f, j) => {
      const v = served(record[f], steps[j]!);
      if (v === undefined) throw badValue(f, record[f]);
      return v;
    });
}

/**
 * A table read column by column (a CSV body, JSON columns): a column's values by row, `undefined` where a
 * value is missing (as a key absent from a record), or no column at all.
 */
export interface ColumnTable {
  readonly count: number;
  column(name: string): ArrayLike<unknown> | undefined;
}

/** A table → its float32 rows (row-major); a bad value throws, with the row it is in. */
export type ColumnPreprocessor = (table: ColumnTable) => Float32Array;

/** A bad value of a table: the error a record would give, and its row. */
export class BadRowError extends Error {
  constructor(
    readonly row: number,
    readonly error: BentoError,
  ) {
    super(error.message);
  }
}

/**
 * `recordPreprocessor` over a whole table at once, a column at a time, without building a record per row:
 * the same steps and checks, and the same error (BadRowError carrying it) for the first bad value a
 * record-by-record pass would meet (the first bad row, and in it the first bad feature).
 */
export function columnPreprocessor(model: PreprocessedModel): ColumnPreprocessor {
  const { features, steps } = servingSteps(model);
  const width = features.length;
  // Per column, once per model: its clips in order (one clip, the usual case, also as two bounds for
  // locals), and what a missing value serves (its fill, then the clips after it; undefined: it is bad).
  const columns = steps.map((s) => {
    const clips = s.flatMap((step) => ('clip' in step ? [step.clip] : []));
    return {
      clips,
      lo: clips.length === 1 ? (clips[0]!.min ?? -Infinity) : -Infinity,
      hi: clips.length === 1 ? (clips[0]!.max ?? Infinity) : Infinity,
      more: clips.length > 1 ? clips : [],
      whenMissing: served(undefined, s),
    };
  });
  return (table) => {
    const n = table.count;
    const data = new Float32Array(n * width);
    let badRow = n;
    let badJ = -1;
    for (let j = 0; j < width; j++) {
      const col = table.column(features[j]!);
      const { clips, lo, hi, more, whenMissing } = columns[j]!;
      // A column of numbers (no value missing, so fills do nothing): checked for finiteness and clipped.
      if (col instanceof Float64Array) {
        for (let r = 0; r < badRow; r++) {
          let v = col[r]!;
          if (!Number.isFinite(v)) {
            badRow = r;
            badJ = j;
            break;
          }
          if (v > hi) v = hi;
          else if (v < lo) v = lo;
          for (let c = 0; c < more.length; c++) v = clip(v, more[c]!);
          data[r * width + j] = v;
        }
        continue;
      }
      // A column of values of any kind: what `served` gives, without boxing a number per value. A missing
      // value always serves the same; a finite number goes through every clip in order; anything else is bad.
      // Only rows before the first bad one found so far can change which error is reported.
      for (let r = 0; r < badRow; r++) {
        const raw = col === undefined ? undefined : col[r];
        let v: number;
        if (typeof raw === 'number' && Number.isFinite(raw)) {
          v = raw;
          for (let c = 0; c < clips.length; c++) v = clip(v, clips[c]!);
        } else if ((raw === undefined || raw === null || Number.isNaN(raw)) && whenMissing !== undefined) {
          v = whenMissing;
        } else {
          badRow = r;
          badJ = j;
          break;
        }
        data[r * width + j] = v;
      }
    }
    if (badJ >= 0) {
      const f = features[badJ]!;
      throw new BadRowError(badRow, badValue(f, table.column(f)?.[badRow]));
    }
    return data;
  };
}

/** `recordPreprocessor(model)(record)`, for one record. */
export function preprocessRecord(record: Readonly<Record<string, unknown>>, model: PreprocessedModel): number[] {
  return recordPreprocessor(model)(record);
}
