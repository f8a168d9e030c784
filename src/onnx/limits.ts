/**
 * Limits on the shape of a tree model, checked before onnxruntime ever sees the file: onnxruntime builds
 * its trees recursively (a tree thousands of levels deep overflows its stack: SIGSEGV, no message) and
 * trusts feature indices. Every import path (ONNX, ml-random-forest JSON, model and bento archives)
 * runs these checks, so whatever import accepts can be served.
 */
import { BentoError } from '../errors.js';
import { limitsFromEnv } from '../store/env-limit.js';
import { fromBytes, toNum, type AttributeProto, type ModelProto } from './proto.js';

export interface ModelLimits {
  /** Deepest root-to-leaf path of any tree, in branch levels. */
  maxDepth: number;
  /** Nodes of all the trees of a model together. */
  maxNodes: number;
  /** Features a model may take (its input width); every feature index must be below it. */
  maxFeatures: number;
}

/**
 * Defaults: onnxruntime-node 1.30 loads a 10 000-level chain and crashes at 20 000, scikit-learn trees
 * rarely pass 100 levels; 5 M nodes is a ~200 MB model file.
 */
export const DEFAULT_MODEL_LIMITS: Readonly<ModelLimits> = { maxDepth: 1000, maxNodes: 5_000_000, maxFeatures: 100_000 };

/** The environment variable that overrides each limit. */
export const MODEL_LIMIT_ENV: Readonly<Record<keyof ModelLimits, string>> = {
  maxDepth: 'BENTO_MAX_TREE_DEPTH',
  maxNodes: 'BENTO_MAX_TREE_NODES',
  maxFeatures: 'BENTO_MAX_FEATURES',
};

/** The limits in force: the defaults, each overridden by its environment variable (see MODEL_LIMIT_ENV). */
export function modelLimits(env: NodeJS.ProcessEnv = process.env): ModelLimits {
  return limitsFromEnv<ModelLimits>(DEFAULT_MODEL_LIMITS, MODEL_LIMIT_ENV, env);
}

/** BAD_MODEL naming the limit and how to raise it. */
export function overLimit(what: string, key: keyof ModelLimits, limits: ModelLimits): BentoError {
  return new BentoError('BAD_MODEL', `${what}: over the limit of ${limits[key]} (${MODEL_LIMIT_ENV[key]})`, [
    { path: MODEL_LIMIT_ENV[key], message: `limit ${limits[key]}` },
  ]);
}

type NodeProto = NonNullable<NonNullable<ModelProto['graph']>['node']>[number];
type GraphProto = NonNullable<ModelProto['graph']>;

/** Tree operators whose node lists this module knows how to check (the opset-5 `TreeEnsemble` is not one). */
const CHECKED_TREE_OPS = new Set(['TreeEnsembleRegressor', 'TreeEnsembleClassifier']);

/** Every node of a graph and of the graphs nested in its nodes' attributes (If, Loop, Scan bodies). */
function allNodes(graph: GraphProto | null | undefined, out: NodeProto[] = [], level = 0): NodeProto[] {
  if (!graph) return out;
  // A nesting this deep is not a model anyone exports: refuse rather than recurse further.
  if (level > 32) throw new BentoError('BAD_MODEL', 'the ONNX graph nests subgraphs more than 32 levels deep');
  for (const node of graph.node ?? []) {
    out.push(node);
    for (const at of node.attribute ?? []) {
      if (at.g) allNodes(at.g as GraphProto, out, level + 1);
      for (const g of at.graphs ?? []) allNodes(g as GraphProto, out, level + 1);
    }
  }
  return out;
}

function ints(attrs: Map<string, AttributeProto>, name: string): number[] {
  return (attrs.get(name)?.ints ?? []).map(toNum);
}

/**
 * Checks every tree operator of an ONNX model against the limits: node count, depth of every tree (walked
 * without recursion, from each tree's first listed node as onnxruntime does), no node reached twice (a
 * cycle would recurse forever), children that exist, feature indices in `[0, nFeatures)` (`nFeatures`: the
 * input width when fixed, else the limit). Throws BAD_MODEL naming the limit or the fault.
 *
 * @example
 *   checkTreeLimits(decodeModel(bytes), 5, modelLimits());
 */
export function checkTreeLimits(model: ModelProto, nFeatures: number | null, limits: ModelLimits = modelLimits()): void {
  if (nFeatures !== null && nFeatures > limits.maxFeatures) throw overLimit(`the model takes ${nFeatures} features`, 'maxFeatures', limits);
  const width = nFeatures ?? limits.maxFeatures;
  let total = 0;
  for (const node of allNodes(model.graph)) {
    if ((node.domain ?? '') !== 'ai.onnx.ml' || !node.opType?.startsWith('TreeEnsemble')) continue;
    if (!CHECKED_TREE_OPS.has(node.opType)) throw new BentoError('BAD_MODEL', `the ONNX model uses ${node.opType}; only TreeEnsembleRegressor (and TreeEnsembleClassifier) trees are supported`);
    const attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
    const treeIds = ints(attrs, 'nodes_treeids');
    const nodeIds = ints(attrs, 'nodes_nodeids');
    const featureIds = ints(attrs, 'nodes_featureids');
    const trueIds = ints(attrs, 'nodes_truenodeids');
    const falseIds = ints(attrs, 'nodes_falsenodeids');
    const modes = (attrs.get('nodes_modes')?.strings ?? []).map(fromBytes);
    const n = treeIds.length;
    total += n;
    if (total > limits.maxNodes) throw overLimit(`the model has more than ${limits.maxNodes} tree nodes`, 'maxNodes', limits);
    for (const [name, arr] of [['nodes_nodeids', nodeIds], ['nodes_featureids', featureIds], ['nodes_modes', modes], ['nodes_truenodeids', trueIds], ['nodes_falsenodeids', falseIds]] as const) {
      if (arr.length !== n) throw new BentoError('BAD_MODEL', `${node.opType}: ${name} has ${arr.length} entries, nodes_treeids has ${n}`);
    }
    checkTrees(node.opType, { treeIds, nodeIds, featureIds, trueIds, falseIds, modes }, width, limits);
  }
}

interface NodeLists {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  trueIds: number[];
  falseIds: number[];
  modes: string[];
}

function checkTrees(op: string, l: NodeLists, width: number, limits: ModelLimits): void {
  const bad = (msg: string): BentoError => new BentoError('BAD_MODEL', `${op}: ${msg}`);
  // tree id → (node id → attribute index), and each tree's first listed node (its root for onnxruntime).
  const trees = new Map<number, Map<number, number>>();
  const roots = new Map<number, number>();
  l.treeIds.forEach((t, i) => {
    let ids = trees.get(t);
    if (!ids) trees.set(t, (ids = new Map())), roots.set(t, i);
    if (ids.has(l.nodeIds[i]!)) throw bad(`node ${l.nodeIds[i]} appears twice in tree ${t}`);
    ids.set(l.nodeIds[i]!, i);
  });
  for (const [t, ids] of trees) {
    const depth = new Map<number, number>([[roots.get(t)!, 0]]);
    const queue = [roots.get(t)!];
    for (let k = 0; k < queue.length; k++) {
      const i = queue[k]!;
      if (l.modes[i] === 'LEAF') continue;
      const d = depth.get(i)! + 1;
      if (d > limits.maxDepth) throw overLimit(`${op}: tree ${t} is more than ${limits.maxDepth} levels deep`, 'maxDepth', limits);
      const f = l.featureIds[i]!;
      if (f < 0 || f >= width) {
        throw width === limits.maxFeatures && f >= width
          ? overLimit(`${op}: tree ${t} node ${l.nodeIds[i]} uses feature index ${f}`, 'maxFeatures', limits)
          : bad(`tree ${t} node ${l.nodeIds[i]} uses feature index ${f}, outside the model's ${width} input features`);
      }
      for (const childId of [l.trueIds[i]!, l.falseIds[i]!]) {
        const c = ids.get(childId);
        if (c === undefined) throw bad(`tree ${t} node ${l.nodeIds[i]} points to missing node ${childId}`);
        if (depth.has(c)) throw bad(`tree ${t} reaches node ${childId} twice (a cycle or a shared subtree)`);
        depth.set(c, d);
        queue.push(c);
      }
    }
  }
}
