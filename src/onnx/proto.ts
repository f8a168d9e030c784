/**
 * The ONNX protobuf messages (onnx-proto, ONNX 1.10 on protobufjs 6), loaded once for ESM, plus the
 * small conversions every reader needs (int64 may decode as Long, strings are bytes).
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { BentoError } from '../errors.js';

export const onnx: typeof OnnxTypes = onnxProto.onnx;
export type ModelProto = OnnxTypes.ModelProto;
export type AttributeProto = OnnxTypes.IAttributeProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type ValueInfoProto = OnnxTypes.IValueInfoProto;

type IntLike = number | { toNumber(): number } | null | undefined;

/** int64 fields decode as numbers or Long objects depending on whether `long` is installed. */
export function toNum(v: IntLike): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder();
export const toBytes = (s: string): Uint8Array => utf8.encode(s);
export const fromBytes = (b: Uint8Array | null | undefined): string => (b ? utf8Decode.decode(b) : '');

/** Decodes a ModelProto, turning protobuf failures and non-models into BAD_MODEL. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new BentoError('BAD_MODEL', `not an ONNX model: the file is not a valid ONNX protobuf (${(err as Error).message})`);
  }
  // Random bytes sometimes decode as a protobuf; a real model has an IR version and a graph.
  if (toNum(model.irVersion) <= 0 || !model.graph) {
    throw new BentoError('BAD_MODEL', 'not an ONNX model: no IR version or no graph in the file');
  }
  return model;
}

/** The first graph input that is not an initializer (older IRs list initializers as inputs too). */
export function graphInput(model: ModelProto): ValueInfoProto {
  const graph = model.graph!;
  const init = new Set((graph.initializer ?? []).map((i) => i.name));
  const input = (graph.input ?? []).find((i) => !init.has(i.name));
  if (!input) throw new BentoError('BAD_MODEL', 'the ONNX model has no graph input');
  return input;
}
