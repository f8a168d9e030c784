/**
 * A model's signature as model.yaml stores it: read from an ONNX graph (any model), or made for a model this
 * framework writes (rows of float32 features in, one float32 per row out).
 */
import type { OnnxSignature } from '../onnx/read.js';
import type { ValueSpec } from '../onnx/value-types.js';
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

/** Every input and output of an ONNX graph, as model.yaml stores them. */
export function graphSignature(sig: Pick<OnnxSignature, 'inputs' | 'outputs'>): ModelSignature {
  const spec = (v: ValueSpec): TensorSpec => ({ name: v.name, shape: [...v.shape], dtype: v.type });
  return { inputs: sig.inputs.map(spec), outputs: sig.outputs.map(spec) };
}
