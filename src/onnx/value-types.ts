/**
 * The types and shapes of a graph's inputs and outputs, named for the rest of the framework: tensor
 * element types as onnxruntime-node names them ('float32', 'int64', …), non-tensor values spelled out
 * ('seq(map(int64,float32))' for a ZipMap's output), dims as numbers, dim_param names or '?'.
 */
import type { TensorType } from './tensors.js';
import type { onnx } from 'onnx-proto';
import { toNum } from './proto.js';

/** ONNX element types onnxruntime-node has no JavaScript tensor type for (not fed or read by runFeeds). */
export type OtherElementType = 'float16' | 'bfloat16' | 'complex64' | 'complex128' | 'unknown';

/** Every element type a tensor of a graph may have. */
export type ElementType = TensorType | OtherElementType;

/**
 * A graph value's type: a tensor's element type, or a non-tensor written out, e.g. `seq(map(int64,float32))`
 * (a sequence of maps: a ZipMap's output), `map(string,float32)`, `seq(float32)` (a sequence of tensors).
 */
export type ValueType = ElementType | `seq(${string})` | `map(${string})` | `optional(${string})`;

/** One graph input or output. */
export interface ValueSpec {
  name: string;
  type: ValueType;
  /**
   * Dims of a tensor: numbers where fixed, the dim_param (e.g. 'N') where symbolic, '?' where unnamed;
   * `[]` for a scalar, for a tensor whose rank the graph does not state, and for non-tensor values.
   */
  shape: Array<number | string>;
}

const ELEMENT: Record<number, ElementType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};

const TENSOR_TYPES: ReadonlySet<string> = new Set<TensorType>(['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool', 'string']);
const ELEMENT_TYPES: ReadonlySet<string> = new Set<string>([...TENSOR_TYPES, 'float16', 'bfloat16', 'complex64', 'complex128', 'unknown']);
/** ONNX map keys: integers or strings. */
const MAP_KEYS: ReadonlySet<string> = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'string']);

/** True for a type runFeeds can feed and answer as a dense tensor. */
export function isTensorType(t: string): t is TensorType {
  return TENSOR_TYPES.has(t);
}

/** True for the numeric tensor types (every TensorType but 'string' and 'bool'). */
export function isNumericType(t: string): t is Exclude<TensorType, 'string' | 'bool'> {
  return isTensorType(t) && t !== 'string' && t !== 'bool';
}

/** The name of an ONNX TensorProto.DataType number ('unknown' for types newer than the reader). */
export function elementTypeName(elemType: number | null | undefined): ElementType {
  return ELEMENT[elemType ?? 0] ?? 'unknown';
}

/** An element type named as onnxruntime-node names it ('unknown' for one this module does not know). */
export function elementTypeOf(name: string): ElementType {
  return ELEMENT_TYPES.has(name) ? (name as ElementType) : 'unknown';
}

type TypeProto = onnx.ITypeProto;

/** The ValueType of an ONNX TypeProto (nesting bounded: a type nested deeper than 8 levels is 'unknown'). */
export function valueTypeOf(type: TypeProto | null | undefined, level = 0): ValueType {
  if (!type || level > 8) return 'unknown';
  if (type.tensorType) return elementTypeName(type.tensorType.elemType);
  if (type.sequenceType) return `seq(${valueTypeOf(type.sequenceType.elemType, level + 1)})`;
  if (type.mapType) return `map(${elementTypeName(type.mapType.keyType)},${valueTypeOf(type.mapType.valueType, level + 1)})`;
  const optional = (type as { optionalType?: { elemType?: TypeProto | null } | null }).optionalType;
  if (optional) return `optional(${valueTypeOf(optional.elemType, level + 1)})`;
  return 'unknown';
}

/** The dims of a tensor type (see ValueSpec.shape). */
export function shapeOf(type: TypeProto | null | undefined): Array<number | string> {
  return (type?.tensorType?.shape?.dim ?? []).map((d): number | string =>
    d.dimParam ? d.dimParam : toNum(d.dimValue) > 0 ? toNum(d.dimValue) : '?',
  );
}

/** A graph value as a ValueSpec. */
export function valueSpecOf(v: onnx.IValueInfoProto): ValueSpec {
  return { name: v.name ?? '', type: valueTypeOf(v.type), shape: shapeOf(v.type) };
}

/**
 * True when `s` spells a ValueType (the model.yaml reader checks stored dtypes with it).
 *
 * @example
 *   isValueType('seq(map(int64,float32))') // true
 */
export function isValueType(s: string): s is ValueType {
  let i = 0;
  const elem = (allowed: ReadonlySet<string> = ELEMENT_TYPES): boolean => {
    const m = /^[a-z0-9]+/.exec(s.slice(i));
    if (!m || !allowed.has(m[0])) return false;
    i += m[0].length;
    return true;
  };
  const eat = (p: string): boolean => (s.startsWith(p, i) ? ((i += p.length), true) : false);
  const value = (level: number): boolean => {
    if (level > 8) return false;
    if (eat('seq(') || eat('optional(')) return value(level + 1) && eat(')');
    if (eat('map(')) return elem(MAP_KEYS) && eat(',') && value(level + 1) && eat(')');
    return elem();
  };
  return value(0) && i === s.length;
}
