/**
 * ZipMap, the operator scikit-learn converters put after a classifier to turn its `[N, C]` probabilities into
 * one `{label: probability}` map per row. onnxruntime-node cannot return such a sequence of maps, so a session
 * is made from a copy of the graph without it (the output keeps its name and becomes the probability tensor)
 * and the maps are built in JavaScript from the ZipMap's class labels (see Session.runFeeds).
 */
import { BentoError } from '../errors.js';
import { fromBytes, onnx, toNum, type ModelProto } from './proto.js';

/** A ZipMap that fed a graph output. */
export interface ZipMapOutput {
  /** The graph output it produced (a seq(map(…)) before, the probability tensor in the copy). */
  output: string;
  /** Its class labels, in column order of the probabilities. */
  labels: Array<number | string>;
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

/** The top-level ZipMap nodes that produce a graph output. */
function outputZipMaps(model: ModelProto): NodeProto[] {
  const outputs = new Set((model.graph?.output ?? []).map((o) => o.name));
  return (model.graph?.node ?? []).filter((n) => n.opType === 'ZipMap' && (n.domain ?? '') === 'ai.onnx.ml' && outputs.has(n.output?.[0]));
}

/**
 * A copy of `model` where each ZipMap producing a graph output is removed and its input tensor renamed to that
 * output (so the output keeps its name, now a float tensor `[N, C]`); undefined when there is none.
 * The model passed in is not changed.
 *
 * @example
 *   const stripped = stripZipMaps(decodeModel(bytes));
 *   if (stripped) session = await ort.InferenceSession.create(onnx.ModelProto.encode(stripped.model).finish());
 */
export function stripZipMaps(model: ModelProto): { model: ModelProto; zipMaps: ZipMapOutput[] } | undefined {
  const found = outputZipMaps(model);
  if (found.length === 0) return undefined;
  // A deep copy through the wire format: the caller's model stays as it was.
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = copy.graph!;
  const zipMaps: ZipMapOutput[] = [];
  const graphInputs = new Set((graph.input ?? []).map((i) => i.name));
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name));
  for (const z of outputZipMaps(copy)) {
    const from = z.input?.[0] ?? '';
    const to = z.output![0]!;
    const labels = classLabelsOf(z);
    if (!labels) throw new BentoError('BAD_MODEL', `ZipMap "${z.name ?? to}" has no class labels`);
    if (graphInputs.has(from) || graphOutputs.has(from)) {
      throw new BentoError('BAD_MODEL', `ZipMap "${z.name ?? to}" reads "${from}", a graph input or output; onnxruntime-node cannot return its maps`);
    }
    graph.node = graph.node!.filter((n) => n !== z);
    const rename = (names: string[] | null | undefined): string[] => (names ?? []).map((n) => (n === from ? to : n));
    for (const n of graph.node) {
      n.input = rename(n.input);
      n.output = rename(n.output);
    }
    graph.valueInfo = (graph.valueInfo ?? []).filter((v) => v.name !== from && v.name !== to);
    const i = graph.output!.findIndex((o) => o.name === to);
    graph.output![i] = onnx.ValueInfoProto.create({
      name: to,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: labels.length }] } } },
    });
    zipMaps.push({ output: to, labels });
  }
  return { model: copy, zipMaps };
}
