/**
 * ml-random-forest → Forest. Reads the JSON that `RandomForestRegression#toJSON()` (ml-random-forest 2.1,
 * trees from ml-cart) produces, so a model trained with that library can be imported and served as ONNX.
 *
 * Its format: `{ name: 'RFRegression', selectionMethod, baseModel: { indexes, nEstimators, isClassifier,
 * estimators: [{ name: 'DTRegression', root }] } }`; a node with `left` and `right` sends a row left when
 * `row[splitColumn] < splitValue` (strict), else it is a leaf whose `distribution` is the prediction.
 * `splitColumn` indexes the estimator's own column subset `indexes[i]`, not the original features.
 */
import { BentoError } from '../errors.js';
import { type Forest, type Tree, treeFromLists } from '../forest/forest.js';
import { below32 } from '../forest/float32.js';
import { modelLimits, overLimit, type ModelLimits } from './limits.js';

export interface MlRandomForestOptions {
  /** The model's feature count; default: the highest column any estimator uses, plus one. */
  nFeatures?: number;
  /** Depth, node and feature limits (default: modelLimits(), from the environment). */
  limits?: ModelLimits;
}

type Json = Record<string, unknown>;

const bad = (msg: string): never => {
  throw new BentoError('BAD_MODEL', `not a usable ml-random-forest model: ${msg}`);
};
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `json` looks like a saved ml-random-forest model (regression or classifier). */
export function isMlRandomForestJson(json: unknown): boolean {
  return isObj(json) && (json.name === 'RFRegression' || json.name === 'RFClassifier') && isObj(json.baseModel);
}

/**
 * Converts a saved ml-random-forest RandomForestRegression (object or JSON text) into a Forest that
 * predicts what the library predicts for float32 inputs. Classifiers, `selectionMethod: 'median'`
 * and malformed trees are BAD_MODEL.
 *
 * @example
 *   const forest = mlRandomForestToForest(JSON.parse(await fs.readFile('rf.json', 'utf8')));
 */
export function mlRandomForestToForest(json: unknown, opts: MlRandomForestOptions = {}): Forest {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json) as unknown;
    } catch (err) {
      bad(`invalid JSON (${(err as Error).message})`);
    }
  }
  if (!isMlRandomForestJson(json)) bad('expected an object with name "RFRegression" and a baseModel');
  const model = json as Json;
  if (model.name !== 'RFRegression') bad(`${String(model.name)} is a classifier; only RFRegression models are supported`);
  if (model.selectionMethod !== 'mean') {
    bad(`selectionMethod is ${JSON.stringify(model.selectionMethod)}; only "mean" is supported`);
  }
  const base = model.baseModel as Json;
  if (base.isClassifier) bad('baseModel.isClassifier is true');
  const estimators = base.estimators;
  const indexes = base.indexes;
  if (!Array.isArray(estimators) || estimators.length === 0) bad('baseModel.estimators is missing or empty');
  if (!Array.isArray(indexes) || indexes.length !== (estimators as unknown[]).length) {
    bad('baseModel.indexes must list one column subset per estimator');
  }
  // The library averages over nEstimators entries, so both counts must agree.
  if (base.nEstimators !== undefined && base.nEstimators !== (estimators as unknown[]).length) {
    bad(`nEstimators is ${String(base.nEstimators)} but ${(estimators as unknown[]).length} estimators are saved`);
  }

  const limits = opts.limits ?? modelLimits();
  // Checked before anything is sized by them: a single index of 10^8 would otherwise mean 10^8 features.
  if (opts.nFeatures !== undefined && opts.nFeatures > limits.maxFeatures) throw overLimit(`the model takes ${opts.nFeatures} features`, 'maxFeatures', limits);
  let used = 0;
  const columns = (indexes as unknown[]).map((cols, i) => {
    if (!Array.isArray(cols) || !cols.every((c) => Number.isInteger(c) && c >= 0)) {
      bad(`baseModel.indexes[${i}] is not a list of column indices`);
    }
    for (const c of cols as number[]) {
      if (c >= limits.maxFeatures) throw overLimit(`baseModel.indexes[${i}] names feature index ${c}`, 'maxFeatures', limits);
      used = Math.max(used, c + 1);
    }
    return cols as number[];
  });
  const nFeatures = opts.nFeatures ?? used;
  if (!Number.isInteger(nFeatures) || nFeatures < 1 || nFeatures < used) {
    bad(`the estimators use ${used} features, ${nFeatures} given`);
  }

  const budget = { nodes: limits.maxNodes };
  const trees = (estimators as unknown[]).map((est, i) => {
    if (!isObj(est) || est.name !== 'DTRegression' || !isObj(est.root)) bad(`estimator ${i} is not a DTRegression with a root`);
    return convertTree((est as Json).root as Json, columns[i]!, `estimator ${i}`, limits, budget);
  });
  return { nFeatures, trees };
}

/** Flattens one ml-cart tree breadth-first, mapping its columns to the original features; within the limits. */
function convertTree(root: Json, cols: number[], where: string, limits: ModelLimits, budget: { nodes: number }): Tree {
  const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [];
  const queue: Json[] = [root];
  const depth: number[] = [0];
  for (let k = 0; k < queue.length; k++) {
    const node = queue[k]!;
    if (--budget.nodes < 0) throw overLimit(`the model has more than ${limits.maxNodes} tree nodes`, 'maxNodes', limits);
    // ml-cart's classify() treats a node as a branch exactly when it has both children.
    if (isObj(node.left) && isObj(node.right)) {
      if (depth[k]! >= limits.maxDepth) throw overLimit(`${where} is more than ${limits.maxDepth} levels deep`, 'maxDepth', limits);
      depth.push(depth[k]! + 1, depth[k]! + 1);
      const col = node.splitColumn;
      const split = node.splitValue;
      if (!Number.isInteger(col) || (col as number) < 0 || (col as number) >= cols.length) {
        bad(`${where} node ${k} has splitColumn ${String(col)} outside its ${cols.length} columns`);
      }
      if (typeof split !== 'number') bad(`${where} node ${k} has splitValue ${JSON.stringify(split)}`);
      feature.push(cols[col as number]!);
      // x < split ⇔ x <= below32(split) for every float32 x.
      threshold.push(below32(split as number));
      value.push(0);
      left.push(queue.length);
      queue.push(node.left as Json);
      right.push(queue.length);
      queue.push(node.right as Json);
    } else {
      const d = node.distribution;
      if (typeof d !== 'number' || !Number.isFinite(d)) bad(`${where} leaf ${k} has distribution ${JSON.stringify(d)}`);
      feature.push(-1); threshold.push(0); left.push(-1); right.push(-1); value.push(d as number);
    }
  }
  return treeFromLists({ feature, threshold, left, right, value });
}
