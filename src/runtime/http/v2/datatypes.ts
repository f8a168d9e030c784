/**
 * Conversions between the Open Inference Protocol's tensors and the framework's (onnx/tensors.ts): datatype
 * names, shapes with -1 for dynamic dims, V2 inputs to typed tensors (checked against the model's inputs,
 * 400 naming the input), and model outputs to V2 output tensors.
 */
import { BentoError } from '../../../errors.js';
import { toTensor } from '../../../onnx/feeds.js';
import type { ModelOutput, TensorType, TensorValue } from '../../../onnx/tensors.js';
import type { ValueSpec } from '../../../onnx/value-types.js';
import { listOf } from '../json-answer.js';
import type { V2Datatype, V2InputTensor, V2OutputTensor } from './schemas.js';

const TO_V2: Record<TensorType | 'float16', V2Datatype> = {
  bool: 'BOOL', uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64', int8: 'INT8', int16: 'INT16',
  int32: 'INT32', int64: 'INT64', float16: 'FP16', float32: 'FP32', float64: 'FP64', string: 'BYTES',
};

/** The V2 datatype of a graph value type; a sequence of maps (a ZipMap's probabilities) is answered as FP32. */
export function v2Datatype(type: string): V2Datatype | undefined {
  if (type in TO_V2) return TO_V2[type as TensorType];
  if (type.startsWith('seq(map(')) return 'FP32';
  return undefined;
}

/** A signature's dims as V2 shows them: fixed dims as numbers, symbolic ones as -1. A ZipMap's maps: [-1, -1]. */
export function v2Shape(spec: ValueSpec): number[] {
  if (spec.type.startsWith('seq(map(')) return [-1, -1];
  return spec.shape.map((d) => (typeof d === 'number' ? d : -1));
}

/** A graph value as V2 metadata lists it. */
export function v2Metadata(spec: ValueSpec): { name: string; datatype: V2Datatype | string; shape: number[] } {
  return { name: spec.name, datatype: v2Datatype(spec.type) ?? spec.type, shape: v2Shape(spec) };
}

const bad = (what: string, why: string): BentoError => new BentoError('INVALID_INPUT', `${what}: ${why}`, [{ path: what, message: why }]);

/**
 * The values of `data`, row-major: flat as given, or nested exactly as `shape` says (each level as many items
 * as its dim; the shape's rank is bounded by the request schema, so the walk's depth is too).
 */
function flat(data: unknown[], shape: readonly number[], at: string): unknown[] {
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (a: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(a)) throw bad(at, `${path} is an array where shape [${shape.join(', ')}] has a value`);
      out.push(a);
      return;
    }
    if (!Array.isArray(a) || a.length !== shape[depth]) {
      throw bad(at, `${path || 'data'} has ${Array.isArray(a) ? `${a.length} items` : 'a value'} where shape [${shape.join(', ')}] has ${shape[depth]}`);
    }
    for (let i = 0; i < a.length; i++) walk(a[i], depth + 1, `${path || 'data'}[${i}]`);
  };
  walk(data, 0, '');
  return out;
}

/**
 * Turns the inputs of a V2 request into tensors of the model's inputs: each named once, of the model's
 * datatype, its data as many values as its shape holds, its shape the model's rank and fixed dims.
 *
 * @example
 *   toFeeds([{ name: 'X', shape: [1, 2], datatype: 'FP32', data: [[1, 2]] }], [{ name: 'X', type: 'float32', shape: ['N', 2] }])
 */
export function toFeeds(inputs: readonly V2InputTensor[], specs: readonly ValueSpec[]): Record<string, TensorValue> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const list = specs.map((s) => `"${s.name}" (${v2Datatype(s.type) ?? s.type} [${v2Shape(s).join(', ')}])`).join(', ');
  const feeds: Record<string, TensorValue> = {};
  inputs.forEach((input, i) => {
    const at = `/inputs/${i}`;
    const spec = byName.get(input.name);
    if (!spec) throw bad(`${at}/name`, `"${input.name}" is not an input of the model; its inputs are ${list}`);
    if (Object.hasOwn(feeds, input.name)) throw bad(`${at}/name`, `input "${input.name}" is given twice`);
    const want = v2Datatype(spec.type);
    if (input.datatype !== want) throw bad(`${at}/datatype`, `input "${input.name}" is ${want ?? spec.type} in the model, not ${input.datatype}`);
    const values = flat(input.data, input.shape, `${at}/data`);
    const count = input.shape.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw bad(`${at}/data`, `${values.length} values for shape [${input.shape.join(', ')}] (${count} expected)`);
    try {
      feeds[input.name] = toTensor(spec, { data: values as ArrayLike<number>, dims: input.shape });
    } catch (err) {
      // The signature check names the input in the model's terms; keep its reason, point at the request.
      if (err instanceof BentoError) throw bad(at, err.message);
      throw err;
    }
  });
  const missing = specs.filter((s) => !Object.hasOwn(feeds, s.name));
  if (missing.length > 0) throw bad('/inputs', `missing input${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s.name}"`).join(', ')}; the model's inputs are ${list}`);
  return feeds;
}

/** A model output as a V2 output tensor; a ZipMap's maps become FP32 `[N, classes]` with the labels as a parameter. */
export function toV2Output(name: string, out: ModelOutput): V2OutputTensor {
  if (Array.isArray(out)) {
    const labels = out.length > 0 ? Object.keys(out[0]!) : [];
    const data: number[] = new Array(out.length * labels.length);
    let k = 0;
    for (const row of out) for (const l of labels) data[k++] = row[l] ?? Number.NaN;
    return { name, shape: [out.length, labels.length], datatype: 'FP32', data, parameters: { labels: JSON.stringify(labels) } };
  }
  return { name, shape: [...out.dims], datatype: TO_V2[out.type], data: plain(out) };
}

/** A tensor's data as JSON values (int64 as numbers, bool as true/false). */
function plain(t: TensorValue): Array<number | boolean | string> {
  const d = t.data;
  if (Array.isArray(d)) return d;
  if (t.type === 'bool') return Array.from(d as Uint8Array, (v) => v !== 0);
  return listOf(d as ArrayLike<number | bigint>);
}
