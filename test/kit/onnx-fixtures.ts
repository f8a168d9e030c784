/**
 * ONNX models made here (never downloaded), written with the project's own protobuf messages
 * (src/onnx/proto.ts): a linear regressor, a small MLP, tree-ensemble classifiers with and without ZipMap,
 * and a model with int64, bool and string inputs. Each maker documents what the model computes, so tests
 * can compare onnxruntime's answers with values computed independently.
 *
 * @example
 *   await fs.writeFile(path.join(dir, 'linear.onnx'), linearRegressorOnnx([2, -1, 0.5], 3));
 */
import type { onnx as P } from 'onnx-proto';
import { onnx, toBytes, type AttributeProto } from '../../src/onnx/proto.js';

const T = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;
type Dims = Array<number | string>;

function tensor(name: string, elemType: number, dims: Dims): P.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

function seqOfMaps(name: string, keyType: number): P.IValueInfoProto {
  return { name, type: { sequenceType: { elemType: { mapType: { keyType, valueType: { tensorType: { elemType: T.FLOAT } } } } } } };
}

function floats(name: string, dims: number[], values: number[]): P.ITensorProto {
  return { name, dims, dataType: T.FLOAT, floatData: values };
}

type AttrValue = number | string | number[] | string[] | { floats: number[] };

function attr(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (typeof v === 'string') return { name, type: AT.STRING, s: toBytes(v) };
  if (!Array.isArray(v)) return { name, type: AT.FLOATS, floats: v.floats };
  if (v.length > 0 && typeof v[0] === 'string') return { name, type: AT.STRINGS, strings: (v as string[]).map(toBytes) };
  return { name, type: AT.INTS, ints: v as number[] };
}

function node(opType: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}, domain = ''): P.INodeProto {
  return { opType, input, output, domain, name: `${opType}_${output[0]}`, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) };
}

function model(nodes: P.INodeProto[], inputs: P.IValueInfoProto[], outputs: P.IValueInfoProto[], initializer: P.ITensorProto[] = []): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'bento-ts test kit',
      graph: { name: 'fixture', node: nodes, input: inputs, output: outputs, initializer },
      opsetImport: [
        { domain: '', version: 13 },
        { domain: 'ai.onnx.ml', version: 3 },
      ],
    }),
  ).finish();
}

/** `Y[N, 1] = X[N, F] · w + b` with MatMul + Add; input "X", output "Y". */
export function linearRegressorOnnx(w: number[], b: number): Uint8Array {
  return model(
    [node('MatMul', ['X', 'W'], ['XW']), node('Add', ['XW', 'B'], ['Y'])],
    [tensor('X', T.FLOAT, ['N', w.length])],
    [tensor('Y', T.FLOAT, ['N', 1])],
    [floats('W', [w.length, 1], w), floats('B', [1], [b])],
  );
}

export interface MlpWeights {
  /** F × H */
  w1: number[][];
  b1: number[];
  /** H × O */
  w2: number[][];
  b2: number[];
}

/** `Y[N, O] = relu(X · w1 + b1) · w2 + b2` with Gemm + Relu + Gemm; input "X" `[batch, F]`, output "Y". */
export function mlpOnnx(m: MlpWeights): Uint8Array {
  const f = m.w1.length;
  const h = m.b1.length;
  const o = m.b2.length;
  return model(
    [node('Gemm', ['X', 'W1', 'B1'], ['H']), node('Relu', ['H'], ['R']), node('Gemm', ['R', 'W2', 'B2'], ['Y'])],
    [tensor('X', T.FLOAT, ['batch', f])],
    [tensor('Y', T.FLOAT, ['batch', o])],
    [floats('W1', [f, h], m.w1.flat()), floats('B1', [h], m.b1), floats('W2', [h, o], m.w2.flat()), floats('B2', [o], m.b2)],
  );
}

/**
 * The tree the classifiers below share, over 2 features and 3 classes: `x0 <= 0.5` → P = [0.7, 0.2, 0.1];
 * else `x1 <= 0.5` → [0.1, 0.8, 0.1]; else [0.2, 0.2, 0.6]. The label is the most probable class.
 */
export function classifierReference(x: [number, number]): { probabilities: number[]; index: number } {
  const p = x[0] <= 0.5 ? [0.7, 0.2, 0.1] : x[1] <= 0.5 ? [0.1, 0.8, 0.1] : [0.2, 0.2, 0.6];
  return { probabilities: p, index: p.indexOf(Math.max(...p)) };
}

export interface ClassifierOptions {
  /** Three class labels: int64 (numbers) or strings. */
  labels: [number, number, number] | [string, string, string];
  /**
   * true: as scikit-learn converters write it, outputs "output_label" `[N]` and "output_probability"
   * (a ZipMap: seq(map(label, float))); false: tensors "label" `[N]` and "probabilities" `[N, 3]`.
   */
  zipMap: boolean;
}

/** A TreeEnsembleClassifier (see classifierReference) on input "X" float `[N, 2]`. */
export function treeClassifierOnnx(opts: ClassifierOptions): Uint8Array {
  const ints = typeof opts.labels[0] === 'number';
  const labelType = ints ? T.INT64 : T.STRING;
  const leaves: Array<[number, number[]]> = [[1, [0.7, 0.2, 0.1]], [3, [0.1, 0.8, 0.1]], [4, [0.2, 0.2, 0.6]]];
  const cls = {
    class_treeids: leaves.flatMap(() => [0, 0, 0]),
    class_nodeids: leaves.flatMap(([n]) => [n, n, n]),
    class_ids: leaves.flatMap(() => [0, 1, 2]),
    class_weights: { floats: leaves.flatMap(([, p]) => p) },
  };
  const [label, probs] = opts.zipMap ? ['output_label', 'probabilities'] : ['label', 'probabilities'];
  const nodes = [
    node(
      'TreeEnsembleClassifier',
      ['X'],
      [label, probs],
      {
        ...(ints ? { classlabels_int64s: opts.labels as number[] } : { classlabels_strings: opts.labels as string[] }),
        ...cls,
        nodes_treeids: [0, 0, 0, 0, 0],
        nodes_nodeids: [0, 1, 2, 3, 4],
        nodes_featureids: [0, 0, 1, 0, 0],
        nodes_modes: ['BRANCH_LEQ', 'LEAF', 'BRANCH_LEQ', 'LEAF', 'LEAF'],
        nodes_values: { floats: [0.5, 0, 0.5, 0, 0] },
        nodes_truenodeids: [1, 0, 3, 0, 0],
        nodes_falsenodeids: [2, 0, 4, 0, 0],
        post_transform: 'NONE',
      },
      'ai.onnx.ml',
    ),
  ];
  const outputs = [tensor(label, labelType, ['N'])];
  if (opts.zipMap) {
    nodes.push(node('ZipMap', [probs], ['output_probability'], ints ? { classlabels_int64s: opts.labels as number[] } : { classlabels_strings: opts.labels as string[] }, 'ai.onnx.ml'));
    outputs.push(seqOfMaps('output_probability', labelType));
  } else {
    outputs.push(tensor(probs, T.FLOAT, ['N', 3]));
  }
  return model(nodes, [tensor('X', T.FLOAT, ['N', 2])], outputs);
}

/**
 * Inputs "a" int64 `[N]`, "flag" bool `[N]`, "text" string `[N]`; outputs "y" float `[N]` = a + flag,
 * "a_copy" int64 `[N]` = a, "text_copy" string `[N]` = text.
 */
export function mixedInputsOnnx(): Uint8Array {
  return model(
    [
      node('Cast', ['a'], ['af'], { to: T.FLOAT }),
      node('Cast', ['flag'], ['ff'], { to: T.FLOAT }),
      node('Add', ['af', 'ff'], ['y']),
      node('Identity', ['a'], ['a_copy']),
      node('Identity', ['text'], ['text_copy']),
    ],
    [tensor('a', T.INT64, ['N']), tensor('flag', T.BOOL, ['N']), tensor('text', T.STRING, ['N'])],
    [tensor('y', T.FLOAT, ['N']), tensor('a_copy', T.INT64, ['N']), tensor('text_copy', T.STRING, ['N'])],
  );
}
