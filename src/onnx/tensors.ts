/**
 * Tensors as the rest of the framework sees them, without onnxruntime's classes: what a handler API feeds a
 * model (`ctx.models.x.run(feeds)`), what a model answers, and what the Open Inference Protocol carries.
 * The conversions to and from onnxruntime live in session.ts.
 */

/** Element types, named as onnxruntime-node names them. */
export type TensorType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'string';

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** A dense tensor, row-major. `bool` data is a Uint8Array of 0/1; `int64` a BigInt64Array. */
export interface TensorValue {
  type: TensorType;
  dims: number[];
  data: TensorData;
}

/** A nested JavaScript array of numbers, booleans or strings (dims are read from its nesting). */
export type NestedArray = ReadonlyArray<number | boolean | string | bigint | NestedArray>;

/**
 * What a model input may be given as: a TensorValue; `{ data, dims }` with plain numbers (the type taken from
 * the model's signature); or a nested array (dims from its nesting, type from the signature).
 */
export type Feed = TensorValue | { data: ArrayLike<number | bigint | boolean | string>; dims: readonly number[]; type?: TensorType } | NestedArray;

/**
 * One model output: a tensor, or — for a ZipMap output (a sequence of maps, as scikit-learn classifiers
 * give their probabilities) — one `{ label: probability }` object per row.
 */
export type ModelOutput = TensorValue | Array<Record<string, number>>;

/** True for a dense tensor output (false for a ZipMap's list of maps). */
export function isTensorValue(x: ModelOutput): x is TensorValue {
  return !Array.isArray(x);
}
