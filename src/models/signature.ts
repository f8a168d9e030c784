/**
 * The signature of a model that takes rows of float32 features and answers one float32 per row: the only
 * shape the model store holds today (tree-ensemble regressors).
 */
import type { ModelInfo, TensorSpec } from './model-info.js';

export type ModelSignature = ModelInfo['signature'];

/** The input name a model written by this framework uses. */
export const ROWS_INPUT = 'input';
/** The output name a model written by this framework uses. */
export const ROWS_OUTPUT = 'variable';

/**
 * `input: [N, nFeatures]` → one `[N, 1]` output per name, all float32.
 *
 * @example
 *   rowsSignature(5) // { inputs: [{ name: 'input', shape: ['N', 5], … }], outputs: [{ name: 'variable', shape: ['N', 1], … }] }
 */
export function rowsSignature(
  nFeatures: number,
  opts: { inputName?: string; inputShape?: Array<number | string>; outputNames?: string[] } = {},
): ModelSignature {
  const inputs: TensorSpec[] = [{ name: opts.inputName ?? ROWS_INPUT, shape: opts.inputShape ?? ['N', nFeatures], dtype: 'float32' }];
  const outputs: TensorSpec[] = (opts.outputNames ?? [ROWS_OUTPUT]).map((name) => ({ name, shape: ['N', 1], dtype: 'float32' }));
  return { inputs, outputs };
}
