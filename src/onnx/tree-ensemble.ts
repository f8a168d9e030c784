/**
 * ONNX-ML TreeEnsembleRegressor → Forest. Accepts what skl2onnx writes for scikit-learn forests and
 * gradient boosting (SUM with base_values) and what forestToOnnx writes (AVERAGE), and refuses what a
 * Forest cannot express with the same predictions.
 */
import { BentoError } from '../errors.js';
import { type Forest, type Tree, treeFromLists } from '../forest/forest.js';
import { below32, floor32 } from '../forest/float32.js';
import { decodeModel, fromBytes, graphInput, onnx, toNum, type AttributeProto, type ModelProto, type TensorProto } from './proto.js';

type NodeProto = NonNullable<NonNullable<ModelProto['graph']>['node']>[number];

const bad = (msg: string): never => {
  throw new BentoError('BAD_MODEL', msg);
};

/** The TreeEnsembleRegressor nodes of the main graph. */
export function findTreeEnsembles(model: ModelProto): NodeProto[] {
  return (model.graph?.node ?? []).filter(
    (n) => n.opType === 'TreeEnsembleRegressor' && (n.domain ?? '') === 'ai.onnx.ml',
  );
}

/** Highest feature id used by an ensemble's branches, plus one. */
export function ensembleFeatureCount(node: NodeProto): number {
  const a = new Attrs(node);
  const modes = a.strings('nodes_modes') ?? [];
  const ids = a.ints('nodes_featureids') ?? [];
  let max = -1;
  ids.forEach((f, i) => {
    if (modes[i] !== 'LEAF' && f > max) max = f;
  });
  return max + 1;
}

/**
 * Converts an ONNX model made of one TreeEnsembleRegressor on a float input into a Forest that predicts
 * the same values for float32 inputs. Anything else is BAD_MODEL with the reason.
 *
 * @example
 *   const forest = onnxToForest(await fs.readFile('sklearn_rf.onnx'));
 *   predict(forest, rows, n);
 */
export function onnxToForest(bytes: Uint8Array): Forest {
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const ensembles = findTreeEnsembles(model);
  if (ensembles.length === 0) bad('the ONNX model has no ai.onnx.ml TreeEnsembleRegressor node');
  const nodes = graph.node ?? [];
  if (nodes.length !== 1) {
    const ops = nodes.map((n) => n.opType).join(', ');
    bad(`the ONNX graph has ${nodes.length} operators (${ops}); only a lone TreeEnsembleRegressor converts to a forest`);
  }
  const node = ensembles[0]!;
  const input = graphInput(model);
  if (node.input?.[0] !== input.name) bad('the TreeEnsembleRegressor does not read the graph input');
  const tensor = input.type?.tensorType;
  if (tensor?.elemType !== onnx.TensorProto.DataType.FLOAT) {
    const t = onnx.TensorProto.DataType[tensor?.elemType ?? 0] ?? 'non-tensor';
    bad(`the model's input "${input.name}" is ${String(t).toLowerCase()}; only float inputs are supported`);
  }
  const dims = tensor!.shape?.dim ?? [];
  const fixed = dims.length === 2 && dims[1]!.dimValue ? toNum(dims[1]!.dimValue) : 0;
  return ensembleToForest(node, fixed > 0 ? fixed : ensembleFeatureCount(node));
}

function ensembleToForest(node: NodeProto, nFeatures: number): Forest {
  const a = new Attrs(node);
  const nTargets = a.int('n_targets') ?? 1;
  if (nTargets !== 1) bad(`the tree ensemble has ${nTargets} targets; only single-target regressors are supported`);
  const post = a.string('post_transform') ?? 'NONE';
  if (post !== 'NONE') bad(`the tree ensemble has post_transform ${post}; only NONE is supported`);
  const agg = a.string('aggregate_function') ?? 'SUM';
  if (agg !== 'SUM' && agg !== 'AVERAGE') bad(`the tree ensemble aggregates with ${agg}; only SUM and AVERAGE are supported`);
  const base = a.numbers('base_values') ?? [];
  if (base.length > 1) bad(`the tree ensemble has ${base.length} base values for one target`);
  const baseValue = base[0] ?? 0;

  const treeIds = a.need(a.ints('nodes_treeids'), 'nodes_treeids');
  const nodeIds = a.need(a.ints('nodes_nodeids'), 'nodes_nodeids');
  const featureIds = a.need(a.ints('nodes_featureids'), 'nodes_featureids');
  const modes = a.need(a.strings('nodes_modes'), 'nodes_modes');
  const values = a.need(a.numbers('nodes_values'), 'nodes_values');
  const trueIds = a.need(a.ints('nodes_truenodeids'), 'nodes_truenodeids');
  const falseIds = a.need(a.ints('nodes_falsenodeids'), 'nodes_falsenodeids');
  const n = treeIds.length;
  for (const [name, arr] of [['nodes_nodeids', nodeIds], ['nodes_featureids', featureIds], ['nodes_modes', modes],
    ['nodes_values', values], ['nodes_truenodeids', trueIds], ['nodes_falsenodeids', falseIds]] as const) {
    if (arr.length !== n) bad(`the tree ensemble's ${name} has ${arr.length} entries, nodes_treeids has ${n}`);
  }
  if ((a.ints('nodes_missing_value_tracks_true') ?? []).some((v) => v !== 0)) {
    bad('the tree ensemble routes missing values (nodes_missing_value_tracks_true); this is not supported');
  }

  // Trees in order of appearance; onnxruntime takes each tree's first listed node as its root.
  const trees = new Map<number, Map<number, number>>(); // tree id → (node id → attribute index)
  let previous: number | undefined;
  for (let i = 0; i < n; i++) {
    const t = treeIds[i]!;
    let ids = trees.get(t);
    if (!ids) trees.set(t, (ids = new Map()));
    else if (t !== previous) bad(`the nodes of tree ${t} are not listed together`);
    if (ids.has(nodeIds[i]!)) bad(`node ${nodeIds[i]} appears twice in tree ${t}`);
    ids.set(nodeIds[i]!, i);
    previous = t;
  }

  const weights = leafWeights(a, trees, modes);
  const scale = agg === 'SUM' ? trees.size : 1;
  const out: Tree[] = [];
  for (const [t, ids] of trees) {
    const child = (i: number, id: number): number => ids.get(id) ?? bad(`tree ${t} node ${nodeIds[i]} points to missing node ${id}`);
    const order: number[] = []; // attribute index per new node id
    const newId = new Map<number, number>();
    const visit = (i: number): number => {
      if (newId.has(i)) bad(`tree ${t} reaches node ${nodeIds[i]} twice (a cycle or a shared subtree)`);
      newId.set(i, order.length);
      order.push(i);
      return order.length - 1;
    };
    visit(ids.values().next().value!);
    const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [];
    // Breadth-first: children get ids after their parent, and order grows while we walk it.
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      const mode = modes[i]!;
      if (mode === 'LEAF') {
        feature.push(-1); threshold.push(0); left.push(-1); right.push(-1);
        value.push(scale * (weights.get(i) ?? 0) + baseValue);
        continue;
      }
      const f = featureIds[i]!;
      if (f < 0 || f >= nFeatures) bad(`tree ${t} node ${nodeIds[i]} uses feature ${f}, the input has ${nFeatures}`);
      const yes = child(i, trueIds[i]!), no = child(i, falseIds[i]!);
      const v = values[i]!;
      // Every mode becomes `x <= threshold` (float32) → left, keeping each float32 input's branch:
      // x < v ⇔ x <= below32(v);  x > v ⇔ !(x <= floor32(v));  x >= v ⇔ !(x <= below32(v)).
      let thr: number, l: number, r: number;
      if (mode === 'BRANCH_LEQ') [thr, l, r] = [floor32(v), yes, no];
      else if (mode === 'BRANCH_LT') [thr, l, r] = [below32(v), yes, no];
      else if (mode === 'BRANCH_GT') [thr, l, r] = [floor32(v), no, yes];
      else if (mode === 'BRANCH_GTE') [thr, l, r] = [below32(v), no, yes];
      else return bad(`tree ${t} node ${nodeIds[i]} has mode ${mode}; only LEQ, LT, GT, GTE branches and LEAF are supported`);
      feature.push(f); threshold.push(thr); value.push(0);
      left.push(visit(l)); right.push(visit(r));
    }
    out.push(treeFromLists({ feature, threshold, left, right, value }));
  }
  if (out.length === 0) bad('the tree ensemble has no nodes');
  return { nFeatures, trees: out };
}

/** The target weight per leaf (attribute index), checked to be one per leaf, on leaves, for target 0. */
function leafWeights(a: Attrs, trees: Map<number, Map<number, number>>, modes: string[]): Map<number, number> {
  const tTrees = a.ints('target_treeids') ?? [];
  const tNodes = a.ints('target_nodeids') ?? [];
  const tIds = a.ints('target_ids') ?? [];
  const tW = a.numbers('target_weights') ?? [];
  if (tNodes.length !== tTrees.length || tIds.length !== tTrees.length || tW.length !== tTrees.length) {
    bad('the tree ensemble\'s target_* attributes have different lengths');
  }
  const out = new Map<number, number>();
  tTrees.forEach((t, k) => {
    if (tIds[k] !== 0) bad(`the tree ensemble has a weight for target ${tIds[k]}; only target 0 is supported`);
    const i = trees.get(t)?.get(tNodes[k]!) ?? bad(`a target weight points to missing node ${t}:${tNodes[k]}`);
    if (modes[i] !== 'LEAF') bad(`a target weight is on branch node ${tNodes[k]} of tree ${t}`);
    // The spec adds them up, onnxruntime uses only the first for one target: too ambiguous to convert.
    if (out.has(i)) bad(`leaf ${tNodes[k]} of tree ${t} has several weights; runtimes disagree on their meaning`);
    out.set(i, tW[k]!);
  });
  return out;
}

/** Typed access to a node's attributes; `<name>_as_tensor` stands in for float lists. */
class Attrs {
  private readonly byName = new Map<string, AttributeProto>();
  constructor(node: NodeProto) {
    for (const at of node.attribute ?? []) this.byName.set(at.name ?? '', at);
  }
  need<T>(v: T | undefined, name: string): T {
    return v ?? bad(`the tree ensemble has no ${name} attribute`);
  }
  int(name: string): number | undefined {
    const at = this.byName.get(name);
    return at ? toNum(at.i) : undefined;
  }
  ints(name: string): number[] | undefined {
    return this.byName.get(name)?.ints?.map(toNum);
  }
  string(name: string): string | undefined {
    const at = this.byName.get(name);
    return at ? fromBytes(at.s) : undefined;
  }
  strings(name: string): string[] | undefined {
    return this.byName.get(name)?.strings?.map(fromBytes);
  }
  numbers(name: string): number[] | undefined {
    const tensor = this.byName.get(`${name}_as_tensor`)?.t;
    if (tensor) return tensorValues(tensor, `${name}_as_tensor`);
    return this.byName.get(name)?.floats ?? undefined;
  }
}

function tensorValues(t: TensorProto, name: string): number[] {
  const DT = onnx.TensorProto.DataType;
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (t.dataType === DT.FLOAT) {
    if (!raw) return t.floatData ?? [];
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.byteLength / 4 }, (_, k) => dv.getFloat32(k * 4, true));
  }
  if (t.dataType === DT.DOUBLE) {
    if (!raw) return t.doubleData ?? [];
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.byteLength / 8 }, (_, k) => dv.getFloat64(k * 8, true));
  }
  return bad(`the tree ensemble's ${name} is a ${DT[t.dataType ?? 0] ?? 'unknown'} tensor; expected float or double`);
}
