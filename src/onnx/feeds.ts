/**
 * Feeds (see tensors.ts) → dense tensors typed and shaped as a model's signature asks, or INVALID_INPUT naming
 * the input and what is wrong with it. Pure: no onnxruntime here (session.ts wraps the result in its tensors).
 */
import { BentoError } from '../errors.js';
import type { Feed, NestedArray, TensorData, TensorType, TensorValue } from './tensors.js';
import { isTensorType, type ValueSpec } from './value-types.js';

/** Values a feed may hold at most (2^28: 1 GiB of float32), so one request cannot ask for unbounded memory. */
export const MAX_FEED_VALUES = 1 << 28;

const bad = (input: string, why: string): BentoError => new BentoError('INVALID_INPUT', `input "${input}": ${why}`, [{ path: `/${input}`, message: why }]);

const shapeText = (dims: ReadonlyArray<number | string>): string => `[${dims.join(', ')}]`;

/**
 * Checks feeds against a model's inputs and converts each to a TensorValue of the input's type.
 * Unknown names, missing inputs, wrong types, ranks or fixed dims are INVALID_INPUT.
 *
 * @example
 *   toTensors({ X: [[1, 2]] }, [{ name: 'X', type: 'float32', shape: ['N', 2] }])
 *   // { X: { type: 'float32', dims: [1, 2], data: Float32Array [1, 2] } }
 */
export function toTensors(feeds: Record<string, Feed>, inputs: readonly ValueSpec[]): Record<string, TensorValue> {
  if (typeof feeds !== 'object' || feeds === null || Array.isArray(feeds)) {
    throw new BentoError('INVALID_INPUT', `feeds must be an object of input name → tensor; the model's inputs are ${names(inputs)}`);
  }
  const byName = new Map(inputs.map((i) => [i.name, i]));
  for (const name of Object.keys(feeds)) {
    if (!byName.has(name)) throw new BentoError('INVALID_INPUT', `unknown input "${name}"; the model's inputs are ${names(inputs)}`, [{ path: `/${name}`, message: 'unknown input' }]);
  }
  const out: Record<string, TensorValue> = {};
  // A dim_param names one size across inputs (the batch 'N' of several inputs).
  const symbols = new Map<string, { size: number; input: string }>();
  for (const spec of inputs) {
    const feed = feeds[spec.name];
    if (feed === undefined) throw bad(spec.name, `missing; the model's inputs are ${names(inputs)}`);
    const tensor = toTensor(spec, feed);
    spec.shape.forEach((d, i) => {
      if (typeof d !== 'string' || d === '?') return;
      const seen = symbols.get(d);
      if (!seen) symbols.set(d, { size: tensor.dims[i]!, input: spec.name });
      else if (seen.size !== tensor.dims[i]) {
        throw bad(spec.name, `dimension ${i} (${d}) is ${tensor.dims[i]} but input "${seen.input}" has ${d} = ${seen.size}`);
      }
    });
    out[spec.name] = tensor;
  }
  return out;
}

const names = (inputs: readonly ValueSpec[]): string => inputs.map((i) => `"${i.name}" (${i.type} ${shapeText(i.shape)})`).join(', ');

/** One feed as a tensor of `spec`'s type, its dims checked against `spec.shape`. */
export function toTensor(spec: ValueSpec, feed: Feed): TensorValue {
  const name = spec.name;
  if (!isTensorType(spec.type)) throw bad(name, `the model takes ${spec.type}, which cannot be fed from JavaScript`);
  const type: TensorType = spec.type;
  let dims: number[];
  let values: ArrayLike<unknown>;
  if (Array.isArray(feed)) {
    ({ dims, values } = flatten(name, feed as NestedArray));
  } else if (typeof feed === 'object' && feed !== null && 'dims' in feed && 'data' in feed) {
    const f = feed as { data: ArrayLike<unknown>; dims: readonly unknown[]; type?: unknown };
    if (f.type !== undefined && f.type !== type) throw bad(name, `is ${String(f.type)}, the model takes ${type}`);
    if (!Array.isArray(f.dims) || !f.dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad(name, 'dims must be a list of non-negative integers');
    dims = f.dims as number[];
    values = f.data;
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') throw bad(name, 'data must be an array or a typed array');
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw bad(name, `${values.length} values for dims ${shapeText(dims)} (${count} expected)`);
  } else {
    throw bad(name, 'must be a nested array, or { data, dims }');
  }
  checkShape(name, dims, spec.shape);
  return { type, dims: [...dims], data: convert(name, type, values) };
}

/** Dims from a nested array's nesting, its leaves in row-major order; ragged nesting is refused. */
function flatten(name: string, feed: NestedArray): { dims: number[]; values: unknown[] } {
  const dims: number[] = [];
  for (let level: unknown = feed; Array.isArray(level); level = level[0]) {
    dims.push(level.length);
    if (dims.length > 32) throw bad(name, 'nests arrays more than 32 levels deep');
    if (level.length === 0) break;
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_FEED_VALUES) throw bad(name, `holds more than ${MAX_FEED_VALUES} values`);
  const values: unknown[] = new Array(count);
  let k = 0;
  const walk = (a: unknown, depth: number, at: string): void => {
    if (depth === dims.length) {
      if (Array.isArray(a)) throw bad(name, `${at} is an array where a value was expected (ragged nesting)`);
      values[k++] = a;
      return;
    }
    if (!Array.isArray(a)) throw bad(name, `${at || 'it'} is a value where an array of ${dims[depth]} was expected (ragged nesting)`);
    if (a.length !== dims[depth]) throw bad(name, `${at || 'it'} has ${a.length} items where ${dims[depth]} were expected (ragged nesting)`);
    for (let i = 0; i < a.length; i++) walk(a[i], depth + 1, `${at}[${i}]`);
  };
  walk(feed, 0, '');
  return { dims, values };
}

function checkShape(name: string, dims: readonly number[], shape: ReadonlyArray<number | string>): void {
  // A tensor whose rank the graph leaves open is written with shape []: nothing to check then but a scalar.
  if (shape.length === 0) return;
  if (dims.length !== shape.length) {
    throw bad(name, `has ${dims.length} dimension${dims.length === 1 ? '' : 's'} ${shapeText(dims)}; the model expects ${shape.length}: ${shapeText(shape)}`);
  }
  shape.forEach((want, i) => {
    if (typeof want === 'number' && dims[i] !== want) throw bad(name, `dimension ${i} is ${dims[i]}; the model expects ${want} (shape ${shapeText(shape)})`);
  });
}

const INT_RANGE: Partial<Record<TensorType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1],
};

function convert(name: string, type: TensorType, values: ArrayLike<unknown>): TensorData {
  const n = values.length;
  const at = (i: number, what: string): BentoError => bad(name, `value ${i} (${describe(values[i])}) is not ${what}`);
  switch (type) {
    case 'float32':
    case 'float64': {
      if (values instanceof (type === 'float32' ? Float32Array : Float64Array)) return (values as Float32Array | Float64Array).slice();
      const out = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'number') out[i] = v;
        else if (typeof v === 'bigint') out[i] = Number(v);
        else throw at(i, 'a number');
      }
      return out;
    }
    case 'int64':
    case 'uint64': {
      const out = type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
      const [lo, hi] = type === 'int64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
      for (let i = 0; i < n; i++) {
        const v = values[i];
        const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
        if (b === undefined || b < lo || b > hi) throw at(i, `an ${type} (an integer${typeof v === 'number' ? ' within ±2^53 as a number, or a bigint' : ''})`);
        out[i] = b;
      }
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === true || v === 1) out[i] = 1;
        else if (!(v === false || v === 0)) throw at(i, 'a boolean (or 0/1)');
      }
      return out;
    }
    case 'string': {
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'string') throw at(i, 'a string');
        out[i] = v;
      }
      return out;
    }
    default: {
      const [lo, hi] = INT_RANGE[type]!;
      const Ctor = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array }[type];
      const out = new Ctor(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        const x = typeof v === 'bigint' ? Number(v) : v;
        if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) throw at(i, `an ${type} (an integer in ${lo}..${hi})`);
        out[i] = x;
      }
      return out;
    }
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  return v === undefined ? 'undefined' : typeof v === 'object' ? (v === null ? 'null' : 'an object') : String(v);
}
