/**
 * ZipMap, the operator scikit-learn converters put after a classifier to turn its `[N, C]` probabilities into
 * one `{label: probability}` map per row. onnxruntime-node cannot return such a sequence of maps, so the session
 * is made from the model bytes with the ZipMap's input added as a graph output, fetches that tensor instead, and
 * the maps are built in JavaScript from the ZipMap's class labels (see Session.runFeeds).
 *
 * Found without decoding the model: a shallow walk of the protobuf skips every node's attributes (a forest's
 * megabytes) and decodes only ZipMap nodes and the graph's outputs. The extra output is added by appending a
 * second `graph` field holding just it, which protobuf merges into the first: the original bytes are untouched.
 */
import { BentoError } from '../errors.js';
import { fromBytes, onnx, toNum, type ModelProto } from './proto.js';

/** A ZipMap that produces a graph output. */
export interface ZipMapOutput {
  /** The graph output it produces (a seq(map(…))). */
  output: string;
  /** The probability tensor `[N, C]` it reads, fetched in its place. */
  input: string;
  /** Its class labels, in column order of the probabilities (int64 labels as numbers). */
  labels: Array<number | string>;
  /** The probability tensor is a graph output already (nothing to add). */
  isOutput: boolean;
}

type NodeProto = NonNullable<NonNullable<ModelProto['graph']>['node']>[number];

/** The class labels of a ZipMap (or classifier) node: `classlabels_int64s` or `classlabels_strings`. */
export function classLabelsOf(node: NodeProto): Array<number | string> | undefined {
  for (const at of node.attribute ?? []) {
    if (at.name === 'classlabels_int64s' && at.ints?.length) return at.ints.map(toNum);
    if (at.name === 'classlabels_strings' && at.strings?.length) return at.strings.map(fromBytes);
  }
  return undefined;
}

/** The ValueType of a ZipMap's output, from its labels. */
export function zipMapType(z: ZipMapOutput): `seq(map(${string}))` {
  return `seq(map(${typeof z.labels[0] === 'number' ? 'int64' : 'string'},float32))`;
}

interface Field {
  field: number;
  /** The value's bytes (for a length-delimited field, its payload). */
  from: number;
  to: number;
  /** Length-delimited. */
  len: boolean;
}

class Malformed extends Error {}

/** The top-level fields of a protobuf message in `buf[start, end)`, without decoding their values. */
function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let p = start;
  const varint = (): number => {
    let x = 0;
    for (let shift = 0; ; shift += 7) {
      if (p >= end || shift > 63) throw new Malformed();
      const b = buf[p++]!;
      x += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return x;
    }
  };
  while (p < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    let from = p;
    switch (key % 8) {
      case 0:
        varint();
        break;
      case 1:
        p += 8;
        break;
      case 2: {
        const n = varint();
        from = p;
        p += n;
        break;
      }
      case 5:
        p += 4;
        break;
      default:
        throw new Malformed();
    }
    if (p > end) throw new Malformed();
    yield { field, from, to: p, len: key % 8 === 2 };
  }
}

// Field numbers of onnx.proto3.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const NODE_OP_TYPE = 4;
const NODE_DOMAIN = 7;

/**
 * The ZipMaps of the main graph that produce a graph output, found by a shallow walk of the model bytes;
 * [] when there is none or the bytes are not a readable model (onnxruntime then says what is wrong).
 */
export function findZipMaps(bytes: Uint8Array): ZipMapOutput[] {
  const nodes: NodeProto[] = [];
  const outputs = new Set<string>();
  try {
    for (const g of fields(bytes, 0, bytes.length)) {
      if (g.field !== MODEL_GRAPH || !g.len) continue;
      for (const f of fields(bytes, g.from, g.to)) {
        if (!f.len) continue;
        if (f.field === GRAPH_OUTPUT) outputs.add(onnx.ValueInfoProto.decode(bytes.subarray(f.from, f.to)).name);
        else if (f.field === GRAPH_NODE && isZipMap(bytes, f)) nodes.push(onnx.NodeProto.decode(bytes.subarray(f.from, f.to)));
      }
    }
  } catch {
    return []; // not a model protobuf: onnxruntime says what is wrong with it
  }
  const found: ZipMapOutput[] = [];
  for (const z of nodes) {
    const output = z.output?.[0];
    const input = z.input?.[0];
    if (!output || !input || !outputs.has(output)) continue;
    const labels = classLabelsOf(z);
    if (!labels) throw new BentoError('BAD_MODEL', `ZipMap "${z.name || output}" has no class labels`);
    found.push({ output, input, labels, isOutput: outputs.has(input) });
  }
  return found;
}

/** Whether a NodeProto field is an ai.onnx.ml ZipMap, reading only its op_type and domain. */
function isZipMap(bytes: Uint8Array, node: Field): boolean {
  let op = '';
  let domain = '';
  for (const f of fields(bytes, node.from, node.to)) {
    if (f.field === NODE_OP_TYPE && f.len) op = fromBytes(bytes.subarray(f.from, f.to));
    else if (f.field === NODE_DOMAIN && f.len) domain = fromBytes(bytes.subarray(f.from, f.to));
  }
  return op === 'ZipMap' && domain === 'ai.onnx.ml';
}

/**
 * The model bytes with each ZipMap's input tensor added as a graph output (a second `graph` field, which
 * protobuf merges into the first), so onnxruntime can be asked for it.
 *
 * @example
 *   const zipMaps = findZipMaps(bytes);
 *   const session = await ort.InferenceSession.create(withZipMapInputs(bytes, zipMaps));
 */
export function withZipMapInputs(bytes: Uint8Array, zipMaps: readonly ZipMapOutput[]): Uint8Array {
  const names = new Set(zipMaps.filter((z) => !z.isOutput).map((z) => z.input));
  if (names.size === 0) return bytes;
  const output = [...names].map((name) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  const patch = onnx.ModelProto.encode(onnx.ModelProto.create({ graph: { output } })).finish();
  const out = new Uint8Array(bytes.length + patch.length);
  out.set(bytes, 0);
  out.set(patch, bytes.length);
  return out;
}
