/**
 * Batching V2 infer requests along dim 0: the requests' tensors are joined row-wise into one model call and
 * its outputs cut back, row ranges per request. Only for models whose every input and output has a dynamic
 * first dim (the rows) and fixed others; any other model is called once per request.
 */
import type { BatchCodec } from '../../batching/codecs.js';
import type { ModelOutput, TensorData, TensorValue } from '../../../onnx/tensors.js';
import type { ValueSpec } from '../../../onnx/value-types.js';

/** The tensors of one request (or of a batch), `count` rows each. */
export interface TensorBatch {
  feeds: Record<string, TensorValue>;
  count: number;
}

export type Outputs = Record<string, ModelOutput>;

/** Whether a model's requests can be joined along dim 0 (see the file's comment). */
export function batchableAlongRows(signature: { inputs: readonly ValueSpec[]; outputs: readonly ValueSpec[] }): boolean {
  const rows = (s: ValueSpec): boolean => s.shape.length >= 1 && typeof s.shape[0] !== 'number' && s.shape.slice(1).every((d) => typeof d === 'number');
  return signature.inputs.length > 0 && signature.inputs.every(rows) && signature.outputs.every((o) => o.type.startsWith('seq(map(') || rows(o));
}

const stride = (t: TensorValue): number => t.dims.slice(1).reduce((a, b) => a * b, 1);

function sliceRows(t: TensorValue, from: number, count: number): TensorValue {
  const s = stride(t);
  const data = Array.isArray(t.data) ? t.data.slice(from * s, (from + count) * s) : (t.data as Exclude<TensorData, string[]>).subarray(from * s, (from + count) * s);
  return { type: t.type, dims: [count, ...t.dims.slice(1)], data: data as TensorData };
}

function joinRows(parts: readonly TensorValue[], total: number): TensorValue {
  const first = parts[0]!;
  const s = stride(first);
  let data: TensorData;
  if (Array.isArray(first.data)) {
    data = parts.flatMap((p) => p.data as string[]);
  } else {
    const Ctor = (first.data as Exclude<TensorData, string[]>).constructor as new (n: number) => Exclude<TensorData, string[]>;
    const out = new Ctor(total * s);
    let off = 0;
    for (const p of parts) {
      (out as unknown as { set(a: ArrayLike<number | bigint>, o: number): void }).set(p.data as ArrayLike<number | bigint>, off);
      off += p.data.length;
    }
    data = out;
  }
  return { type: first.type, dims: [total, ...first.dims.slice(1)], data };
}

const rowsOf = (o: ModelOutput): number => (Array.isArray(o) ? o.length : (o.dims[0] ?? -1));

/** Joins requests' tensors along dim 0 and cuts the model's outputs back (see BatchCodec). */
export function tensorsCodec(): BatchCodec<TensorBatch, Outputs> {
  return {
    count: (b) => b.count,
    join(parts) {
      const first = parts[0]!;
      if (parts.length === 1 && first.from === 0 && first.count === first.input.count) return first.input;
      let total = 0;
      for (const p of parts) total += p.count;
      const feeds: Record<string, TensorValue> = {};
      for (const name of Object.keys(first.input.feeds)) {
        feeds[name] = joinRows(parts.map((p) => sliceRows(p.input.feeds[name]!, p.from, p.count)), total);
      }
      return { feeds, count: total };
    },
    outputCount(out) {
      const counts = Object.values(out).map(rowsOf);
      return counts.length > 0 && counts.every((c) => c === counts[0]) ? counts[0]! : -1;
    },
    slice(out, from, count) {
      const piece: Outputs = {};
      for (const [name, o] of Object.entries(out)) piece[name] = Array.isArray(o) ? o.slice(from, from + count) : sliceRows(o, from, count);
      return piece;
    },
    concat(pieces, total) {
      const out: Outputs = {};
      for (const name of Object.keys(pieces[0] ?? {})) {
        const ps = pieces.map((p) => p[name]!);
        out[name] = Array.isArray(ps[0]) ? (ps as Array<Array<Record<string, number>>>).flat(1) : joinRows(ps as TensorValue[], total);
      }
      return out;
    },
    empty: () => ({}),
  };
}
