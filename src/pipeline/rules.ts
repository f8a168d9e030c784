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

type Step = { j: number; clip: { min?: number; max?: number } } | { j: number; fill: number };

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
  const features = [...model.features];
  const steps: Step[] = [];
  if (model.preprocessing !== undefined) {
    const label = model.name ? `model ${model.name}${model.version ? `:${model.version}` : ''}` : 'model';
    const pre = checkPreprocessing(model.preprocessing, features, label);
    for (const rule of pre.rules) {
      const j = 'clip' in rule ? features.indexOf(rule.clip) : 'fill_mean' in rule ? features.indexOf(rule.fill_mean) : -1;
      if (j < 0) continue; // drop_missing, rename and rules on other columns do not change a model input
      steps.push('clip' in rule ? { j, clip: rule } : { j, fill: pre.fill[features[j]!]! });
    }
  }
  return (record) => {
    const values = features.map((f) => record[f]);
    for (const step of steps) {
      const v = values[step.j];
      if ('fill' in step) {
        if (isMissing(v)) values[step.j] = step.fill;
      } else if (typeof v === 'number' && Number.isFinite(v)) {
        values[step.j] = clip(v, step.clip); // a bad value is left for the check below
      }
    }
    return values.map((v, j) => {
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      const f = features[j]!;
      const what = v === undefined || v === null ? 'is missing' : 'must be a finite number';
      throw new BentoError('INVALID_INPUT', `"${f}" ${what}`, [{ path: `/${f}`, message: what }]);
    });
  };
}

/** `recordPreprocessor(model)(record)`, for one record. */
export function preprocessRecord(record: Readonly<Record<string, unknown>>, model: PreprocessedModel): number[] {
  return recordPreprocessor(model)(record);
}
