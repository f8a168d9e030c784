// readOnnxSignature and onnxToForest: models laid out as skl2onnx writes them (from real scikit-learn
// estimators where /usr/bin/python3 has sklearn and onnx), every branch mode against onnxruntime, and
// the models we must refuse.
import t from 'tap';
import { tempDir } from '../kit/project.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { predict } from '../../src/forest/forest.js';
import { onnxToForest, readOnnxSignature } from '../../src/onnx/read.js';
import { loadSession, runForest } from '../../src/onnx/session.js';
import { nextDown32 } from '../../src/forest/float32.js';
import { onnx } from '../../src/onnx/proto.js';
import { linearRegressorOnnx, mixedInputsOnnx, mlpOnnx, treeClassifierOnnx } from '../kit/onnx-fixtures.js';

const AT = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const enc = (s: string) => new TextEncoder().encode(s);
const nextUp32 = (x: number): number => -nextDown32(-x);

type AttrValue = number | string | number[] | string[] | { floatTensor: number[] };

/** Builds a one-node model (TreeEnsembleRegressor unless opType says otherwise) with onnx-proto. */
function model(attrs: Record<string, AttrValue>, o: { nFeatures?: number; elemType?: number; opType?: string; extraNode?: boolean } = {}): Uint8Array {
  const attribute = Object.entries(attrs).map(([name, v]) => {
    if (typeof v === 'number') return { name, type: AT.INT, i: v };
    if (typeof v === 'string') return { name, type: AT.STRING, s: enc(v) };
    if (!Array.isArray(v)) return { name, type: AT.TENSOR, t: { dataType: FLOAT, dims: [v.floatTensor.length], floatData: v.floatTensor } };
    if (typeof v[0] === 'string') return { name, type: AT.STRINGS, strings: (v as string[]).map(enc) };
    return name.endsWith('values') || name.endsWith('weights') || name.endsWith('hitrates')
      ? { name, type: AT.FLOATS, floats: v as number[] }
      : { name, type: AT.INTS, ints: v as number[] };
  });
  const opType = o.opType ?? 'TreeEnsembleRegressor';
  const node = { opType, domain: opType === 'TreeEnsembleRegressor' ? 'ai.onnx.ml' : '', input: ['X'], output: [o.extraNode ? 'v0' : 'variable'], attribute };
  const nodes = o.extraNode ? [node, { opType: 'Identity', input: ['v0'], output: ['variable'] }] : [node];
  const info = (name: string, dims: { dimValue?: number }[], elemType = FLOAT) =>
    ({ name, type: { tensorType: { elemType, shape: { dim: dims } } } });
  const m = onnx.ModelProto.create({
    irVersion: 8, producerName: 'hand', opsetImport: [{ domain: '', version: 13 }, { domain: 'ai.onnx.ml', version: 3 }],
    graph: {
      name: 'g', node: nodes,
      input: [info('X', [{}, { dimValue: o.nFeatures ?? 1 }], o.elemType ?? FLOAT)],
      output: [info('variable', [{}, { dimValue: 1 }])],
    },
  });
  return onnx.ModelProto.encode(m).finish();
}

/** One tree: node 0 branches on feature 0 with `mode` at `value`; leaves 1 (true) → 10, 2 (false) → 20. */
const oneBranch = (mode: string, value: number, extra: Record<string, AttrValue> = {}): Record<string, AttrValue> => ({
  n_targets: 1, aggregate_function: 'SUM', nodes_treeids: [0, 0, 0], nodes_nodeids: [0, 1, 2],
  nodes_featureids: [0, 0, 0], nodes_modes: [mode, 'LEAF', 'LEAF'], nodes_values: [value, 0, 0],
  nodes_truenodeids: [1, 0, 0], nodes_falsenodeids: [2, 0, 0],
  target_treeids: [0, 0], target_nodeids: [1, 2], target_ids: [0, 0], target_weights: [10, 20], ...extra,
});

async function ortPredict(bytes: Uint8Array, x: Float32Array, rows: number, nFeatures: number): Promise<Float32Array> {
  const s = await loadSession(bytes);
  return runForest(s, s.inputNames[0]!, x, rows, nFeatures);
}

t.test('every supported branch mode takes the branch onnxruntime takes', async (t) => {
  const thr = Math.fround(0.7);
  const xs = Float32Array.from([thr, nextUp32(thr), nextDown32(thr), -5, 5, 0, -0]);
  for (const [mode, value] of [['BRANCH_LEQ', thr], ['BRANCH_LT', thr], ['BRANCH_GT', thr], ['BRANCH_GTE', thr], ['BRANCH_LT', 0], ['BRANCH_GTE', 0]] as const) {
    const bytes = model(oneBranch(mode, value));
    const want = await ortPredict(bytes, xs, xs.length, 1);
    t.same(Array.from(predict(onnxToForest(bytes), xs, xs.length)), Array.from(want), `${mode} ${value}`);
  }
});

t.test('SUM with base_values, AVERAGE, nodes out of order, float tensors', async (t) => {
  // Two trees; tree 1 lists its nodes in another order.
  const attrs = (agg: string, tensor: boolean): Record<string, AttrValue> => {
    const values = [0.5, 0, 0, -1, 0, 0];
    const weights = [1, 2, 30, 40.5];
    return {
      n_targets: 1, aggregate_function: agg, base_values: [100],
      nodes_treeids: [0, 0, 0, 1, 1, 1], nodes_nodeids: [0, 1, 2, 0, 2, 1], nodes_featureids: [0, 0, 0, 1, 0, 0],
      nodes_modes: ['BRANCH_LEQ', 'LEAF', 'LEAF', 'BRANCH_LT', 'LEAF', 'LEAF'],
      nodes_truenodeids: [1, 0, 0, 1, 0, 0], nodes_falsenodeids: [2, 0, 0, 2, 0, 0],
      target_treeids: [0, 0, 1, 1], target_nodeids: [1, 2, 1, 2], target_ids: [0, 0, 0, 0],
      ...(tensor ? { nodes_values_as_tensor: { floatTensor: values }, target_weights_as_tensor: { floatTensor: weights } }
        : { nodes_values: values, target_weights: weights }),
    };
  };
  const x = Float32Array.from([0.5, -1, 0.6, -1, 0, 3, 1, nextDown32(-1)]);
  for (const agg of ['SUM', 'AVERAGE']) {
    for (const tensor of [false, true]) {
      const bytes = model(attrs(agg, tensor), { nFeatures: 2 });
      const want = await ortPredict(bytes, x, 4, 2);
      const got = predict(onnxToForest(bytes), x, 4);
      t.ok(Array.from(got).every((v, i) => Math.abs(v - want[i]!) <= 1e-4 * Math.abs(want[i]!)),
        `${agg}${tensor ? ' (tensors)' : ''}: ${Array.from(got)} ≈ ${Array.from(want)}`);
    }
  }
});

const hasSklearn = spawnSync('/usr/bin/python3', ['-c', 'import onnx, sklearn'], { stdio: 'ignore' }).status === 0;
const hasSkl2onnx = spawnSync('/usr/bin/python3', ['-c', 'import skl2onnx'], { stdio: 'ignore' }).status === 0;

t.test('scikit-learn ensembles in skl2onnx layout', { skip: hasSklearn ? false : '/usr/bin/python3 cannot import onnx and sklearn (Debian python3-onnx, python3-sklearn)' }, async (t) => {
  if (!hasSkl2onnx) t.comment('skl2onnx is not installed: the estimators are converted by test/onnx/fixtures/sklearn_forest.py');
  const dir = await tempDir(t, 'bento-skl-');
  const script = fileURLToPath(new URL('fixtures/sklearn_forest.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, dir], { encoding: 'utf8' });
  t.equal(r.status, 0, `fixture script ran ${r.stderr}`);
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
    X: number[][]; nPlain: number; variants: Record<string, { file: string; sklearn: number[]; rounding: string }>;
  };
  const rows = cases.X.length;
  const x = Float32Array.from(cases.X.flat());
  t.ok(rows > 1000, `${rows} test rows`);
  for (const [name, v] of Object.entries(cases.variants)) {
    const bytes = readFileSync(v.file);
    const sig = readOnnxSignature(bytes);
    t.match(sig, { inputName: 'X', inputShape: ['?', 5], inputType: 'float', outputNames: ['variable'], nFeatures: 5,
      hasTreeEnsembleRegressor: true, producer: 'skl2onnx', opsets: { '': 13, 'ai.onnx.ml': 3 } }, `${name}: signature`);
    t.equal(sig.featureNames, undefined, `${name}: no feature names in the file`);
    const forest = onnxToForest(bytes);
    const ours = predict(forest, x, rows);
    const ort = await ortPredict(bytes, x, rows, 5);
    const off = (want: ArrayLike<number>, upTo = rows) => {
      let n = 0;
      for (let i = 0; i < upTo; i++) if (!(Math.abs(ours[i]! - want[i]!) <= 1e-4 * Math.abs(want[i]!))) n++;
      return n;
    };
    t.equal(off(ort), 0, `${name}: equals onnxruntime on all ${rows} rows`);
    if (v.rounding === 'nearest') {
      // skl2onnx rounds float64 thresholds to the nearest float32, which moves rows lying between the
      // two across the split: only the training and random rows are expected to agree with sklearn.
      t.equal(off(v.sklearn, cases.nPlain), 0, `${name}: equals scikit-learn's predict on the ${cases.nPlain} training and random rows`);
    } else {
      t.equal(off(v.sklearn), 0, `${name}: equals scikit-learn's predict on all ${rows} rows`);
    }
  }
});

t.test('models we refuse, with a reason', async (t) => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['garbage bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff), /not an ONNX model/],
    ['text', enc('{"name":"RFRegression"}'), /not an ONNX model/],
    ['empty', new Uint8Array(), /not an ONNX model/],
    ['no tree ensemble', model({}, { opType: 'Identity' }), /no ai\.onnx\.ml TreeEnsembleRegressor/],
    ['extra operators', model(oneBranch('BRANCH_LEQ', 1), { extraNode: true }), /2 operators \(TreeEnsembleRegressor, Identity\)/],
    ['double input', model(oneBranch('BRANCH_LEQ', 1), { elemType: onnx.TensorProto.DataType.DOUBLE }), /is double; only float/],
    ['BRANCH_EQ', model(oneBranch('BRANCH_EQ', 1)), /mode BRANCH_EQ/],
    ['two targets', model(oneBranch('BRANCH_LEQ', 1, { n_targets: 2, target_ids: [0, 1] })), /2 targets/],
    ['missing-value tracking', model(oneBranch('BRANCH_LEQ', 1, { nodes_missing_value_tracks_true: [1, 0, 0] })), /missing values/],
    ['MAX aggregate', model(oneBranch('BRANCH_LEQ', 1, { aggregate_function: 'MAX' })), /aggregates with MAX/],
    ['post transform', model(oneBranch('BRANCH_LEQ', 1, { post_transform: 'LOGISTIC' })), /post_transform LOGISTIC/],
    ['dangling child', model(oneBranch('BRANCH_LEQ', 1, { nodes_falsenodeids: [7, 0, 0] })), /missing node 7/],
    ['cycle', model(oneBranch('BRANCH_LEQ', 1, { nodes_truenodeids: [0, 0, 0] })), /twice/],
    ['feature out of range', model(oneBranch('BRANCH_LEQ', 1, { nodes_featureids: [3, 0, 0] })), /feature 3, the input has 1/],
    ['two weights on a leaf', model(oneBranch('BRANCH_LEQ', 1, { target_treeids: [0, 0, 0], target_nodeids: [1, 2, 2], target_ids: [0, 0, 0], target_weights: [1, 2, 3] })), /several weights/],
    ['short attribute', model(oneBranch('BRANCH_LEQ', 1, { nodes_values: [1, 0] })), /nodes_values has 2 entries/],
  ];
  for (const [name, bytes, message] of cases) {
    t.throws(() => onnxToForest(bytes), { code: 'BAD_MODEL', message }, name);
  }
  t.throws(() => readOnnxSignature(cases[0]![1]), { code: 'BAD_MODEL', message: /not an ONNX model/ }, 'signature of garbage');
  const sig = readOnnxSignature(model({}, { opType: 'Identity', nFeatures: 3 }));
  t.match(sig, { inputName: 'X', inputShape: ['?', 3], nFeatures: 3, hasTreeEnsembleRegressor: false }, 'signature without a tree ensemble');
});

t.test('the signature of any model: every input and output, rows or not, task and class labels', async (t) => {
  const zip = readOnnxSignature(treeClassifierOnnx({ labels: [3, 1, 2], zipMap: true }));
  t.same(zip.inputs, [{ name: 'X', type: 'float32', shape: ['N', 2] }]);
  t.same(zip.outputs, [{ name: 'output_label', type: 'int64', shape: ['N'] }, { name: 'output_probability', type: 'seq(map(int64,float32))', shape: [] }]);
  t.same([zip.rows, zip.nFeatures, zip.task, zip.classLabels], [true, 2, 'classifier', [3, 1, 2]]);
  const strs = readOnnxSignature(treeClassifierOnnx({ labels: ['x', 'y', 'z'], zipMap: false }));
  t.same(strs.outputs.map((o) => o.type), ['string', 'float32']);
  t.same(strs.classLabels, ['x', 'y', 'z']);

  const lin = readOnnxSignature(linearRegressorOnnx([1, 2, 3], 0));
  t.same(lin.inputs, [{ name: 'X', type: 'float32', shape: ['N', 3] }], 'initializers are not inputs');
  t.same([lin.rows, lin.nFeatures, lin.task, lin.classLabels], [true, 3, undefined, undefined]);
  t.same(readOnnxSignature(mlpOnnx({ w1: [[1]], b1: [0], w2: [[1]], b2: [0] })).outputs, [{ name: 'Y', type: 'float32', shape: ['batch', 1] }]);

  const mixed = readOnnxSignature(mixedInputsOnnx());
  t.same(mixed.inputs.map((i) => i.type), ['int64', 'bool', 'string']);
  t.same([mixed.rows, mixed.nFeatures], [false, null], 'three inputs: not a rows model');

  // A forest with a dynamic width: rows, its width from the trees; a regressor.
  const forest = readOnnxSignature(model(oneBranch('BRANCH_LEQ', 0.5), { nFeatures: 0 }));
  t.same(forest.inputs, [{ name: 'X', type: 'float32', shape: ['?', '?'] }]);
  t.same([forest.rows, forest.nFeatures, forest.task], [true, 1, 'regressor']);
});
