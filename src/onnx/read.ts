/**
 * Reading ONNX models: the signature a store or server needs (input name, shape, type, outputs,
 * feature names) and, for tree ensembles, the forest itself.
 */
import { FEATURE_NAMES_KEY } from './write.js';
import { decodeModel, graphInput, onnx, toNum, type ModelProto } from './proto.js';
import { ensembleFeatureCount, findTreeEnsembles } from './tree-ensemble.js';

export { onnxToForest } from './tree-ensemble.js';

export interface OnnxSignature {
  /** The first graph input that is not an initializer. */
  inputName: string;
  /** Its dims: numbers where fixed, the dim_param (e.g. 'N') where symbolic, '?' where unnamed. */
  inputShape: (number | string)[];
  /** Element type in lower case, as ONNX names it: 'float', 'double', 'int64', …; 'non-tensor' otherwise. */
  inputType: string;
  outputNames: string[];
  /** From the input's last dim when fixed, else from the tree ensemble's highest feature id; null if unknown. */
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
 *   // { inputName: 'X', inputShape: ['?', 5], inputType: 'float', nFeatures: 5, … }
 */
export function readOnnxSignature(bytes: Uint8Array): OnnxSignature {
  return signatureOf(decodeModel(bytes));
}

/** The signature of an already decoded model (see readOnnxSignature). */
export function signatureOf(model: ModelProto): OnnxSignature {
  const graph = model.graph!;
  const input = graphInput(model);
  const tensor = input.type?.tensorType;
  const inputShape = (tensor?.shape?.dim ?? []).map((d): number | string =>
    d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined && toNum(d.dimValue) > 0 ? toNum(d.dimValue) : '?',
  );
  const inputType = tensor ? (onnx.TensorProto.DataType[tensor.elemType ?? 0] ?? 'undefined').toLowerCase() : 'non-tensor';

  const ensembles = findTreeEnsembles(model);
  const last = inputShape.length === 2 ? inputShape[1] : undefined;
  const nFeatures = typeof last === 'number' ? last : ensembles.length > 0 ? ensembleFeatureCount(ensembles[0]!) : null;

  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain ?? ''] = toNum(o.version);

  const featureNames = readFeatureNames(model);
  return {
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
