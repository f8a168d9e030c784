/**
 * What the batcher batches, as codecs: how an input is counted in units, how slices of several inputs are
 * joined into one call, and how the call's output is cut back. Rows of float32 features (the rows APIs)
 * and items of JSON lists (batchable handler APIs).
 */
import type { Rows } from '../../sdk/index.js';

/** How the batcher counts, cuts and joins what it batches (inputs of `count` units, one output per unit). */
export interface BatchCodec<In, Out> {
  /** Units (rows, items) in an input. */
  count(input: In): number;
  /** Why `input` cannot be batched here (e.g. rows of another width), or undefined. */
  problem?(input: In): string | undefined;
  /** One batch from slices of several inputs, in order. */
  join(parts: ReadonlyArray<{ input: In; from: number; count: number }>): In;
  /** Units in an output (-1 when it is not a list at all). */
  outputCount(out: Out): number;
  /** Units [from, from + count) of an output. */
  slice(out: Out, from: number, count: number): Out;
  /** One output from pieces of it, in order (a request split across batches). */
  concat(pieces: Out[], total: number): Out;
  /** The output of an input of no units. */
  empty(): Out;
}

/** Rows of float32 features, all of one width (the first submitted), with one float32 output per row. */
export function rowsCodec(): BatchCodec<Rows, Float32Array> {
  let width = -1;
  return {
    count: (rows) => rows.count,
    problem(rows) {
      if (rows.data.length !== rows.count * rows.width) return `batcher: ${rows.data.length} values for ${rows.count} rows × ${rows.width}`;
      if (width >= 0 && rows.width !== width) return `batcher: rows of width ${rows.width} where ${width} was expected`;
      width = rows.width;
      return undefined;
    },
    join(parts) {
      const first = parts[0]!;
      const w = first.input.width;
      if (parts.length === 1 && first.from === 0 && first.count === first.input.count) return first.input;
      let total = 0;
      for (const p of parts) total += p.count;
      const data = new Float32Array(total * w);
      let off = 0;
      for (const p of parts) {
        data.set(p.input.data.subarray(p.from * w, (p.from + p.count) * w), off * w);
        off += p.count;
      }
      return { data, count: total, width: w };
    },
    outputCount: (out) => out.length,
    slice: (out, from, count) => out.subarray(from, from + count),
    concat(pieces, total) {
      const out = new Float32Array(total);
      let off = 0;
      for (const p of pieces) {
        out.set(p, off);
        off += p.length;
      }
      return out;
    },
    empty: () => new Float32Array(0),
  };
}

/** Items of JSON lists (a batchable handler's bodies), with one answer per item. */
export function itemsCodec(): BatchCodec<unknown[], unknown[]> {
  return {
    count: (items) => items.length,
    join: (parts) => (parts.length === 1 && parts[0]!.from === 0 && parts[0]!.count === parts[0]!.input.length ? parts[0]!.input : parts.flatMap((p) => p.input.slice(p.from, p.from + p.count))),
    outputCount: (out) => (Array.isArray(out) ? out.length : -1),
    slice: (out, from, count) => out.slice(from, from + count),
    concat: (pieces) => pieces.flat(1),
    empty: () => [],
  };
}
