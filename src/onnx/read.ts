/**
 * Reading ONNX models: the signature a store or server needs (every input and output with its type and
 * shape, whether it takes rows of features and how many, what task it does, its class labels, feature
 * names) and, for tree ensembles, the forest itself.
 */
import { FEATURE_NAMES_KEY } from './write.js';
import { decodeModel, graphInput, onnx, toNum, type ModelProto } from './proto.js';
import { ensembleFeatureCount, findTreeEnsembles } from './tree-ensemble.js';
import { isNumericType, shapeOf, valueSpecOf, type ValueSpec } from './value-types.js';
import { classLabelsOf } from './zipmap.js';

export { onnxToForest } from './tree-ensemble.js';

/** What a model does, from its operators: absent when they do not say. */
export type ModelTask = 'regressor' | 'classifier';

export interface OnnxSignature {
  /** Every graph input that is not an initializer, in order. */
  inputs: ValueSpec[];
  /** Every graph output, in order (a ZipMap's is `seq(map(int64|string,float32))`). */
  outputs: ValueSpec[];
  /**
   * True for a "rows model": one input, a 2-D numeric tensor (a row of features per row), so the rows API
   * can feed it; `nFeatures` is its width when known.
   */
  rows: boolean;
  /** From the operators: a classifier (TreeEnsembleClassifier, LinearClassifier, SVMClassifier, ZipMap), a regressor. */
  task?: ModelTask;
  /** A classifier's class labels in the order of its probability columns (int64 labels as numbers). */
  classLabels?: Array<number | string>;
  /** The first graph input that is not an initializer. */
  inputName: string;
  /** Its dims: numbers where fixed, the dim_param (e.g. 'N') where symbolic, '?' where unnamed. */
  inputShape: (number | string)[];
  /** Element type in lower case, as ONNX names it: 'float', 'double', 'int64', …; 'non-tensor' otherwise. */
  inputType: string;
  outputNames: string[];
  /**
   * For a rows model: the input's last dim when fixed, else the tree ensemble's highest feature id + 1;
   * null if unknown or not a rows model.
   */
  nFeatures: number | null;
  hasTreeEnsembleRegressor: boolean;
  /** From metadata_props 'feature_names' (a JSON array of strings), when present and well formed. */
  featureNames?: string[];
  /** Opset version per domain ('' is the default ONNX domain). */
  opsets: Record<string, number>;
  producer: string;
  producerVersion: string;
  irVersion: number;
}

/**
 * Reads an ONNX model's signature. Not ONNX at all, or no graph input → BAD_MODEL.
 *
 * @example
 *   const sig = readOnnxSignature(await fs.readFile('rf.onnx'));
 *   // { inputs: [{ name: 'X', type: 'float32', shape: ['?', 5] }], rows: true, nFeatures: 5, inputName: 'X', … }
 */
export function readOnnxSignature(bytes: Uint8Array): OnnxSignature {
  return signatureOf(decodeModel(bytes));
}

/** The signature of an already decoded model (see readOnnxSignature). */
export function signatureOf(model: ModelProto): OnnxSignature {
  const graph = model.graph!;
  const input = graphInput(model);
  const tensor = input.type?.tensorType;
  const inputShape = shapeOf(input.type);
  const inputType = tensor ? (onnx.TensorProto.DataType[tensor.elemType ?? 0] ?? 'undefined').toLowerCase() : 'non-tensor';

  const init = new Set((graph.initializer ?? []).map((i) => i.name));
  const inputs = (graph.input ?? []).filter((i) => !init.has(i.name)).map(valueSpecOf);
  const outputs = (graph.output ?? []).map(valueSpecOf);
  const rows = inputs.length === 1 && isNumericType(inputs[0]!.type) && inputs[0]!.shape.length === 2;
  const ensembles = findTreeEnsembles(model);
  const trees = (graph.node ?? []).filter((n) => (n.domain ?? '') === 'ai.onnx.ml' && TREE_OPS.has(n.opType ?? ''));
  const last = inputShape.length === 2 ? inputShape[1] : undefined;
  const nFeatures = !rows ? null : typeof last === 'number' ? last : trees.length > 0 ? ensembleFeatureCount(trees[0]!) : null;
  const { task, classLabels } = taskOf(model);

  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain ?? ''] = toNum(o.version);

  const featureNames = readFeatureNames(model);
  return {
    inputs,
    outputs,
    rows,
    ...(task ? { task } : {}),
    ...(classLabels ? { classLabels } : {}),
    inputName: input.name ?? '',
    inputShape,
    inputType,
    outputNames: (graph.output ?? []).map((o) => o.name ?? ''),
    nFeatures,
    hasTreeEnsembleRegressor: ensembles.length > 0,
    ...(featureNames ? { featureNames } : {}),
    opsets,
    producer: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    irVersion: toNum(model.irVersion),
  };
}

const TREE_OPS = new Set(['TreeEnsembleRegressor', 'TreeEnsembleClassifier']);
const CLASSIFIERS = new Set(['TreeEnsembleClassifier', 'LinearClassifier', 'SVMClassifier', 'ZipMap']);
const REGRESSORS = new Set(['TreeEnsembleRegressor', 'LinearRegressor', 'SVMRegressor']);

/** The task the main graph's ai.onnx.ml operators reveal, and a classifier's labels. */
function taskOf(model: ModelProto): { task?: ModelTask; classLabels?: Array<number | string> } {
  const ml = (model.graph?.node ?? []).filter((n) => (n.domain ?? '') === 'ai.onnx.ml');
  const classifier = ml.find((n) => CLASSIFIERS.has(n.opType ?? ''));
  if (classifier) {
    const labels = classLabelsOf(classifier);
    return { task: 'classifier', ...(labels ? { classLabels: labels } : {}) };
  }
  return ml.some((n) => REGRESSORS.has(n.opType ?? '')) ? { task: 'regressor' } : {};
}

function readFeatureNames(model: ModelProto): string[] | undefined {
  const prop = (model.metadataProps ?? []).find((p) => p.key === FEATURE_NAMES_KEY);
  if (!prop?.value) return undefined;
  try {
    const v: unknown = JSON.parse(prop.value);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined; // someone else's metadata under the same key: not ours to interpret
  }
}
