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
  if (Array.isArray(feed)) {
    const dims = nestedDims(name, feed as NestedArray);
    checkShape(name, dims, spec.shape);
    return { type, dims, data: flatten(name, feed as NestedArray, dims, sink(name, type, dims.reduce((a, b) => a * b, 1))) };
  }
  if (typeof feed === 'object' && feed !== null && 'dims' in feed && 'data' in feed) {
    const f = feed as { data: ArrayLike<unknown>; dims: readonly unknown[]; type?: unknown };
    if (f.type !== undefined && f.type !== type) throw bad(name, `is ${String(f.type)}, the model takes ${type}`);
    if (!Array.isArray(f.dims) || !f.dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad(name, 'dims must be a list of non-negative integers');
    const dims = [...(f.dims as number[])];
    const values = f.data;
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') throw bad(name, 'data must be an array or a typed array');
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw bad(name, `${values.length} values for dims ${shapeText(dims)} (${count} expected)`);
    checkShape(name, dims, spec.shape);
    // Already the right typed array: used as it is (onnxruntime does not write to its inputs).
    if ((type === 'float32' && values instanceof Float32Array) || (type === 'float64' && values instanceof Float64Array)) return { type, dims, data: values };
    const out = sink(name, type, count);
    for (let i = 0; i < count; i++) out.put(i, values[i]);
    return { type, dims, data: out.data };
  }
  throw bad(name, 'must be a nested array, or { data, dims }');
}

/** Dims from a nested array's nesting (along its first items). */
function nestedDims(name: string, feed: NestedArray): number[] {
  const dims: number[] = [];
  for (let level: unknown = feed; Array.isArray(level); level = level[0]) {
    dims.push(level.length);
    if (dims.length > 32) throw bad(name, 'nests arrays more than 32 levels deep');
    if (level.length === 0) break;
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_FEED_VALUES) throw bad(name, `holds more than ${MAX_FEED_VALUES} values`);
  return dims;
}

/** A nested array's leaves, row-major, into `out`; ragged nesting is refused. */
function flatten(name: string, feed: NestedArray, dims: readonly number[], out: Sink): TensorData {
  if (dims.length === 2 && (out.data instanceof Float32Array || out.data instanceof Float64Array) && fastRows(feed, dims[0]!, dims[1]!, out.data)) return out.data;
  let k = 0;
  // Where a fault is, as `[i][j]`: built only when there is one.
  const path: number[] = [];
  const at = (): string => path.map((i) => `[${i}]`).join('') || 'it';
  const walk = (a: unknown, depth: number): void => {
    if (!Array.isArray(a)) throw bad(name, `${at()} is a value where an array of ${dims[depth]} was expected (ragged nesting)`);
    if (a.length !== dims[depth]) throw bad(name, `${at()} has ${a.length} items where ${dims[depth]} were expected (ragged nesting)`);
    if (depth === dims.length - 1) {
      for (let i = 0; i < a.length; i++) {
        const v: unknown = a[i];
        if (Array.isArray(v)) {
          path.push(i);
          throw bad(name, `${at()} is an array where a value was expected (ragged nesting)`);
        }
        out.put(k++, v);
      }
      return;
    }
    for (let i = 0; i < a.length; i++) {
      path.push(i);
      walk(a[i], depth + 1);
      path.pop();
    }
  };
  walk(feed, 0);
  return out.data;
}

/**
 * The common case without a call per value: rows of plain numbers into a float tensor. False at the first
 * anything else (the general walk then says what is wrong).
 */
function fastRows(feed: NestedArray, rows: number, width: number, data: Float32Array | Float64Array): boolean {
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const row = feed[r];
    if (!Array.isArray(row) || row.length !== width) return false;
    for (let j = 0; j < width; j++) {
      const v: unknown = row[j];
      if (typeof v !== 'number') return false;
      data[k++] = v;
    }
  }
  return true;
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

/** A tensor's data being filled value by value, each checked and converted to the tensor's type. */
interface Sink {
  data: TensorData;
  put(i: number, v: unknown): void;
}

function sink(name: string, type: TensorType, n: number): Sink {
  const not = (i: number, v: unknown, what: string): BentoError => bad(name, `value ${i} (${describe(v)}) is not ${what}`);
  switch (type) {
    case 'float32':
    case 'float64': {
      const data = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      return {
        data,
        put(i, v) {
          if (typeof v === 'number') data[i] = v;
          else if (typeof v === 'bigint') data[i] = Number(v);
          else throw not(i, v, 'a number');
        },
      };
    }
    case 'int64':
    case 'uint64': {
      const data = type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
      const [lo, hi] = type === 'int64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
      return {
        data,
        put(i, v) {
          const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
          if (b === undefined || b < lo || b > hi) throw not(i, v, `an ${type} (an integer${typeof v === 'number' ? ' within ±2^53 as a number, or a bigint' : ''})`);
          data[i] = b;
        },
      };
    }
    case 'bool': {
      const data = new Uint8Array(n);
      return {
        data,
        put(i, v) {
          if (v === true || v === 1) data[i] = 1;
          else if (!(v === false || v === 0)) throw not(i, v, 'a boolean (or 0/1)');
        },
      };
    }
    case 'string': {
      const data: string[] = new Array(n);
      return {
        data,
        put(i, v) {
          if (typeof v !== 'string') throw not(i, v, 'a string');
          data[i] = v;
        },
      };
    }
    default: {
      const [lo, hi] = INT_RANGE[type]!;
      const Ctor = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array }[type];
      const data = new Ctor(n);
      return {
        data,
        put(i, v) {
          const x = typeof v === 'bigint' ? Number(v) : v;
          if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) throw not(i, v, `an ${type} (an integer in ${lo}..${hi})`);
          data[i] = x;
        },
      };
    }
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  return v === undefined ? 'undefined' : typeof v === 'object' ? (v === null ? 'null' : 'an object') : String(v);
}
