/**
 * The shape of a model's stored preprocessing (model.yaml `preprocessing`): the cleaning rules of the
 * training pipeline and what they learned. Part of the model contract, so the model.yaml reader refuses a
 * model whose rules cannot be applied; `src/pipeline/rules.ts` applies them.
 */
import { BentoError } from '../errors.js';
import { isMap } from '../store/info-file.js';
import type { ModelPreprocessing, PreprocessingRule } from './model-info.js';

const isName = (x: unknown): x is string => typeof x === 'string' && x.length > 0;

/** The rule kinds and the keys each one takes (its own key first). */
export const RULE_KEYS = {
  clip: ['clip', 'min', 'max'],
  fill_mean: ['fill_mean'],
  drop_missing: ['drop_missing'],
  rename: ['rename', 'from', 'to'],
} as const;

export type RuleKind = keyof typeof RULE_KEYS;
const KINDS = Object.keys(RULE_KEYS) as RuleKind[];

/** What is wrong with a rule: the offending key (undefined: the rule as a whole) and why. */
export interface RuleProblem {
  key?: string;
  message: string;
}

/** The kind of a rule that passed `ruleProblem`. */
export function ruleKind(rule: PreprocessingRule): RuleKind {
  return KINDS.find((k) => k in rule)!;
}

/** The column a rule reads or writes (every column, for drop_missing). */
export function ruleColumns(rule: PreprocessingRule): string[] {
  if ('drop_missing' in rule) return rule.drop_missing;
  if ('clip' in rule) return [rule.clip];
  if ('fill_mean' in rule) return [rule.fill_mean];
  return [rule.rename];
}

/**
 * Checks the shape of one rule (kinds, keys, types); undefined when it is well-formed. Whether its
 * columns exist is the caller's business (the catalog knows the columns, a stored model its features).
 */
export function ruleProblem(rule: unknown): RuleProblem | undefined {
  if (!isMap(rule)) return { message: `must be a mapping with one of the keys ${KINDS.join(', ')}` };
  const kinds = KINDS.filter((k) => k in rule);
  if (kinds.length !== 1) return { message: `must have exactly one of the keys ${KINDS.join(', ')}` };
  const kind = kinds[0]!;
  const allowed: readonly string[] = RULE_KEYS[kind];
  for (const key of Object.keys(rule)) {
    if (!allowed.includes(key)) return { key, message: `is not a known key of a ${kind} rule (expected one of: ${allowed.join(', ')})` };
  }
  const r = rule;
  switch (kind) {
    case 'clip': {
      if (!isName(r.clip)) return { key: 'clip', message: 'must be a column name' };
      for (const k of ['min', 'max'] as const) {
        if (r[k] !== undefined && !(typeof r[k] === 'number' && Number.isFinite(r[k]))) return { key: k, message: 'must be a finite number' };
      }
      if (r.min === undefined && r.max === undefined) return { key: 'clip', message: 'needs min, max or both' };
      if (typeof r.min === 'number' && typeof r.max === 'number' && r.min > r.max) return { key: 'min', message: `must not exceed max (${r.max})` };
      return undefined;
    }
    case 'fill_mean':
      return isName(r.fill_mean) ? undefined : { key: 'fill_mean', message: 'must be a column name' };
    case 'drop_missing':
      return Array.isArray(r.drop_missing) && r.drop_missing.length > 0 && r.drop_missing.every(isName)
        ? undefined
        : { key: 'drop_missing', message: 'must be a non-empty list of column names' };
    case 'rename':
      if (!isName(r.rename)) return { key: 'rename', message: 'must be a column name' };
      for (const k of ['from', 'to'] as const) if (typeof r[k] !== 'string') return { key: k, message: 'must be a string (the category value)' };
      return undefined;
  }
}

/**
 * Checks a model's stored `preprocessing` against its features; `label` names the model in errors.
 * Throws BAD_MODEL naming the field: a bento must not serve rules it cannot apply.
 */
export function checkPreprocessing(pre: unknown, features: readonly string[], label: string): ModelPreprocessing {
  const bad = (field: string, why: string): BentoError =>
    new BentoError('BAD_MODEL', `${label}: preprocessing/${field} ${why}`, [{ path: `/preprocessing/${field}`, message: why }]);
  if (!isMap(pre)) throw bad('', 'is not a mapping');
  if (!Array.isArray(pre.features) || pre.features.length !== features.length || pre.features.some((f, j) => f !== features[j])) {
    throw bad('features', `does not list the model's features in order (${features.join(', ')})`);
  }
  if (!isName(pre.target)) throw bad('target', 'is not a column name');
  if (!Array.isArray(pre.rules)) throw bad('rules', 'is not a list');
  pre.rules.forEach((rule, i) => {
    const p = ruleProblem(rule);
    if (p) throw bad(`rules/${i}${p.key ? `/${p.key}` : ''}`, p.message);
  });
  if (!isMap(pre.fill)) throw bad('fill', 'is not a mapping');
  for (const [k, v] of Object.entries(pre.fill)) if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`fill/${k}`, 'is not a finite number');
  for (const rule of pre.rules as PreprocessingRule[]) {
    if ('fill_mean' in rule && features.includes(rule.fill_mean) && pre.fill[rule.fill_mean] === undefined) {
      throw bad('fill', `has no value for "${rule.fill_mean}" (a fill_mean rule)`);
    }
  }
  return pre as unknown as ModelPreprocessing;
}

