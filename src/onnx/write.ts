/**
 * Forest → ONNX: one `ai.onnx.ml` TreeEnsembleRegressor node averaging the trees, with a float input
 * `[N, nFeatures]` and a float output `[N, 1]`, the layout skl2onnx uses for scikit-learn forests.
 */
import type { Forest } from '../forest/forest.js';
import { BentoError } from '../errors.js';
import { floor32 } from '../forest/float32.js';
import { onnx, toBytes, type AttributeProto } from './proto.js';

export interface ForestToOnnxOptions {
  /** Graph input name (default 'input'). */
  inputName?: string;
  /** Graph output name (default 'variable', as skl2onnx names it). */
  outputName?: string;
  /** Feature names in column order, stored in metadata_props under 'feature_names' (JSON). */
  featureNames?: string[];
  docString?: string;
  /** producer_name (default 'bento-ts'). */
  producer?: string;
}

/** The metadata_props key holding the JSON array of feature names. */
export const FEATURE_NAMES_KEY = 'feature_names';

const AT = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/**
 * Serialises a forest as an ONNX ModelProto (IR 8, opsets '' 13 and 'ai.onnx.ml' 3).
 * Thresholds are written as the largest float32 not above the forest's threshold, so float32 inputs
 * take the forest's branches even if a threshold was not float32-exact.
 *
 * @example
 *   const bytes = forestToOnnx(forest, { featureNames: ['rooms', 'area'] });
 *   await fs.writeFile('model.onnx', bytes);
 */
export function forestToOnnx(forest: Forest, opts: ForestToOnnxOptions = {}): Uint8Array {
  const inputName = opts.inputName ?? 'input';
  const outputName = opts.outputName ?? 'variable';
  checkForest(forest);
  if (opts.featureNames && opts.featureNames.length !== forest.nFeatures) {
    throw new BentoError(
      'BAD_MODEL',
      `${opts.featureNames.length} feature names given for a forest of ${forest.nFeatures} features`,
    );
  }

  const a = ensembleAttributes(forest);
  const node = onnx.NodeProto.create({
    opType: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    name: 'TreeEnsembleRegressor',
    input: [inputName],
    output: [outputName],
    attribute: [
      str('aggregate_function', 'AVERAGE'),
      int('n_targets', 1),
      ints('nodes_falsenodeids', a.falseIds),
      ints('nodes_featureids', a.featureIds),
      ints('nodes_missing_value_tracks_true', a.missing),
      strs('nodes_modes', a.modes),
      ints('nodes_nodeids', a.nodeIds),
      ints('nodes_treeids', a.treeIds),
      ints('nodes_truenodeids', a.trueIds),
      floats('nodes_values', a.values),
      str('post_transform', 'NONE'),
      ints('target_ids', a.targetIds),
      ints('target_nodeids', a.targetNodeIds),
      ints('target_treeids', a.targetTreeIds),
      floats('target_weights', a.targetWeights),
    ],
  });

  const graph = onnx.GraphProto.create({
    name: 'forest',
    node: [node],
    input: [tensorInfo(inputName, ['N', forest.nFeatures])],
    output: [tensorInfo(outputName, ['N', 1])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: opts.producer ?? 'bento-ts',
    producerVersion: '0.1.0',
    docString: opts.docString ?? '',
    graph,
    opsetImport: [
      { domain: '', version: 13 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    metadataProps: opts.featureNames
      ? [{ key: FEATURE_NAMES_KEY, value: JSON.stringify(opts.featureNames) }]
      : [],
  });
  return onnx.ModelProto.encode(model).finish();
}

interface EnsembleArrays {
  treeIds: number[]; nodeIds: number[]; featureIds: number[]; modes: string[]; values: number[];
  trueIds: number[]; falseIds: number[]; missing: number[];
  targetTreeIds: number[]; targetNodeIds: number[]; targetIds: number[]; targetWeights: number[];
}

function ensembleAttributes(forest: Forest): EnsembleArrays {
  const a: EnsembleArrays = {
    treeIds: [], nodeIds: [], featureIds: [], modes: [], values: [], trueIds: [], falseIds: [], missing: [],
    targetTreeIds: [], targetNodeIds: [], targetIds: [], targetWeights: [],
  };
  forest.trees.forEach((t, ti) => {
    for (let n = 0; n < t.feature.length; n++) {
      const leaf = t.feature[n]! < 0;
      a.treeIds.push(ti);
      a.nodeIds.push(n);
      a.featureIds.push(leaf ? 0 : t.feature[n]!);
      a.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      a.values.push(leaf ? 0 : floor32(t.threshold[n]!));
      a.trueIds.push(leaf ? 0 : t.left[n]!);
      a.falseIds.push(leaf ? 0 : t.right[n]!);
      a.missing.push(0);
      if (leaf) {
        a.targetTreeIds.push(ti);
        a.targetNodeIds.push(n);
        a.targetIds.push(0);
        a.targetWeights.push(t.value[n]!);
      }
    }
  });
  return a;
}

/** Structural checks, so a broken forest fails here with a message rather than inside onnxruntime. */
function checkForest(forest: Forest): void {
  const bad = (msg: string): never => {
    throw new BentoError('BAD_MODEL', `cannot export forest: ${msg}`);
  };
  if (!Number.isInteger(forest.nFeatures) || forest.nFeatures < 1) bad(`nFeatures is ${forest.nFeatures}`);
  if (forest.trees.length === 0) bad('it has no trees');
  forest.trees.forEach((t, ti) => {
    const size = t.feature.length;
    if (size === 0) bad(`tree ${ti} has no nodes`);
    if ([t.threshold, t.left, t.right, t.value].some((arr) => arr.length !== size)) {
      bad(`tree ${ti} has arrays of different lengths`);
    }
    for (let n = 0; n < size; n++) {
      const f = t.feature[n]!;
      if (f < 0) {
        if (!Number.isFinite(t.value[n]!)) bad(`tree ${ti} leaf ${n} has value ${t.value[n]}`);
        continue;
      }
      if (f >= forest.nFeatures) bad(`tree ${ti} node ${n} uses feature ${f} of ${forest.nFeatures}`);
      for (const c of [t.left[n]!, t.right[n]!]) {
        if (!(c >= 0 && c < size)) bad(`tree ${ti} node ${n} has child ${c} outside 0..${size - 1}`);
      }
    }
    // Every node reached at most once from the root: no cycles, no shared subtrees.
    const seen = new Uint8Array(size);
    const stack = [0];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen[n]) bad(`tree ${ti} reaches node ${n} twice (a cycle or a shared subtree)`);
      seen[n] = 1;
      if (t.feature[n]! >= 0) stack.push(t.left[n]!, t.right[n]!);
    }
  });
}

function tensorInfo(name: string, dims: (string | number)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}

const str = (name: string, s: string): AttributeProto => ({ name, type: AT.STRING, s: toBytes(s) });
const strs = (name: string, s: string[]): AttributeProto => {
  const cache = new Map<string, Uint8Array>(); // a handful of distinct modes across many nodes
  const bytes = (v: string) => cache.get(v) ?? cache.set(v, toBytes(v)).get(v)!;
  return { name, type: AT.STRINGS, strings: s.map(bytes) };
};
const int = (name: string, i: number): AttributeProto => ({ name, type: AT.INT, i });
const ints = (name: string, v: number[]): AttributeProto => ({ name, type: AT.INTS, ints: v });
const floats = (name: string, v: number[]): AttributeProto => ({ name, type: AT.FLOATS, floats: v });
