// Session.runFeeds on models that are not forests (made by test/kit/onnx-fixtures.ts), with real onnxruntime:
// answers compared with values computed independently (numpy, or by hand), and every bad feed's error.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as realOrt from 'onnxruntime-node';
import t from 'tap';
import { onnx } from '../../src/onnx/proto.js';
import { readOnnxSignature } from '../../src/onnx/read.js';
import { loadSession, type Ort } from '../../src/onnx/session.js';
import { isTensorValue, type ModelOutput, type TensorValue } from '../../src/onnx/tensors.js';
import { classifierReference, linearRegressorOnnx, mixedInputsOnnx, mlpOnnx, treeClassifierOnnx } from '../kit/onnx-fixtures.js';
import { rejectsWith } from '../kit/helpers.js';
import { tempDir } from '../kit/project.js';
import { PYTHON, python, sklearnMissing } from '../kit/python.js';

const tensorOf = (o: ModelOutput | undefined): TensorValue => {
  if (!o || !isTensorValue(o)) throw new Error('expected a tensor output');
  return o;
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): boolean =>
  a.length === b.length && Array.from(a).every((x, i) => Math.abs(x - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)));

const X = [[0.5, -1.25, 3], [2, 0, -0.75], [-4, 1.5, 0.125], [10, 20, 30]];
const W = [2, -1, 0.5];
const MLP = { w1: [[1, -1, 0.5, 2], [0.25, 2, -1, 0.5], [-0.5, 0.5, 1, -2]], b1: [0.1, -0.2, 0.3, 0], w2: [[1, -1], [2, 0.5], [-1, 1], [0.5, 0.25]], b2: [0.5, -0.5] };

t.test('a linear regressor and an MLP answer what numpy computes', async (t) => {
  const lin = await loadSession(linearRegressorOnnx(W, 3));
  const out = await lin.runFeeds({ X });
  const y = tensorOf(out.Y);
  t.same(y.dims, [4, 1], 'dims [N, 1]');
  t.equal(y.type, 'float32');
  const mlp = await loadSession(mlpOnnx(MLP));
  const ym = tensorOf((await mlp.runFeeds({ X: { data: X.flat(), dims: [4, 3] } })).Y);
  t.same(ym.dims, [4, 2]);

  let want: { lin: number[]; mlp: number[] };
  if (sklearnMissing()) {
    // By hand, in float64.
    const relu = (v: number): number => Math.max(0, v);
    want = {
      lin: X.map((r) => r.reduce((s, v, j) => s + v * W[j]!, 3)),
      mlp: X.flatMap((r) => {
        const h = MLP.b1.map((b, k) => relu(r.reduce((s, v, j) => s + v * MLP.w1[j]![k]!, b)));
        return MLP.b2.map((b, o) => h.reduce((s, v, k) => s + v * MLP.w2[k]![o]!, b));
      }),
    };
  } else {
    want = python(
      `import json, sys, numpy as np
a = json.loads(sys.argv[1]); x = np.array(a['X']); m = a['MLP']
lin = x @ np.array(a['W']) + 3
h = np.maximum(0, x @ np.array(m['w1']) + np.array(m['b1']))
print(json.dumps({'lin': lin.tolist(), 'mlp': (h @ np.array(m['w2']) + np.array(m['b2'])).flatten().tolist()}))`,
      JSON.stringify({ X, W, MLP }),
    );
  }
  t.ok(close(y.data as Float32Array, want.lin), `linear: ${Array.from(y.data as Float32Array)} ≈ ${want.lin}`);
  t.ok(close(ym.data as Float32Array, want.mlp), `mlp: ${Array.from(ym.data as Float32Array)} ≈ ${want.mlp}`);
  t.equal(lin.notRows, undefined, 'a rows model');
  // A graph that leaves its output's shape open is still served by the rows path (it checks what it gets).
  const open = onnx.ModelProto.decode(linearRegressorOnnx(W, 3));
  open.graph!.output![0]!.type!.tensorType!.shape = null;
  const openSession = await loadSession(onnx.ModelProto.encode(open).finish());
  t.equal(openSession.notRows, undefined, 'an output of unstated shape may be one per row');
  t.same(Array.from(await openSession.run(Float32Array.from(X.flat()), 4, 3)), Array.from(y.data as Float32Array));
  t.match((await loadSession(mlpOnnx(MLP))).notRows, /no output with one number per row \(Y float32 \[batch, 2\]\)/, 'two values per row: not for the rows path');
  t.same(Array.from(await lin.run(Float32Array.from(X.flat()), 4, 3)), Array.from(y.data as Float32Array), 'the rows path gives the same');
});

const ROWS: Array<[number, number]> = [[0, 0], [1, 0], [1, 1], [0.5, 7]];

t.test('a tree classifier with ZipMap: labels as a tensor, probabilities as one {label: p} per row', async (t) => {
  for (const labels of [[10, 20, 30], ['setosa', 'versicolor', 'virginica']] as const) {
    const s = await loadSession(treeClassifierOnnx({ labels: [...labels] as never, zipMap: true }));
    t.same(s.signature.outputs.map((o) => `${o.name} ${o.type}`), [`output_label ${typeof labels[0] === 'number' ? 'int64' : 'string'}`, `output_probability seq(map(${typeof labels[0] === 'number' ? 'int64' : 'string'},float32))`]);
    const out = await s.runFeeds({ X: ROWS });
    const label = tensorOf(out.output_label);
    const ref = ROWS.map(classifierReference);
    t.same(Array.from(label.data as ArrayLike<unknown>), ref.map((r) => (typeof labels[0] === 'number' ? BigInt(labels[r.index]!) : labels[r.index])), `labels ${labels.join(',')}`);
    const maps = out.output_probability as Array<Record<string, number>>;
    t.ok(Array.isArray(maps) && maps.length === ROWS.length, 'one map per row');
    maps.forEach((m, i) => {
      t.same(Object.keys(m), labels.map(String), `row ${i}: keys are the class labels`);
      t.ok(close(Object.values(m), ref[i]!.probabilities), `row ${i}: ${JSON.stringify(m)}`);
    });
    const only = await s.runFeeds({ X: ROWS }, ['output_probability']);
    t.same(Object.keys(only), ['output_probability'], 'outputs selection');
    t.same(Object.keys(await s.runFeeds({ X: ROWS }, ['output_label', 'output_label'])), ['output_label'], 'an output asked twice is answered once');
    t.same(Object.keys(await s.runFeeds({ X: ROWS }, [])), ['output_label', 'output_probability'], '[]: every output');
    if (typeof labels[0] === 'number') t.same(Array.from(await s.run(Float32Array.from(ROWS.flat()), 4, 2)), ref.map((r) => labels[r.index]), 'the rows path answers the numeric label');
    else {
      t.match(s.notRows, /no output with one number per row/, 'known at load');
      await rejectsWith(t, s.run(Float32Array.from(ROWS.flat()), 4, 2), 'BAD_MODEL', 'output_label string [N]', 'one number per row', 'handler API');
    }
  }
});

t.test('a ZipMap whose probabilities are a graph output as well', async (t) => {
  const m = onnx.ModelProto.decode(treeClassifierOnnx({ labels: [10, 20, 30], zipMap: true }));
  m.graph!.output!.push({ name: 'probabilities', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }] } } } });
  const s = await loadSession(onnx.ModelProto.encode(m).finish());
  t.same(s.signature.outputs.map((o) => o.name), ['output_label', 'output_probability', 'probabilities']);
  const out = await s.runFeeds({ X: ROWS });
  const ref = ROWS.map(classifierReference);
  t.ok(close(tensorOf(out.probabilities).data as Float32Array, ref.flatMap((r) => r.probabilities)), 'the tensor');
  t.same(out.output_probability, ref.map((r) => Object.fromEntries(['10', '20', '30'].map((l, j) => [l, Math.fround(r.probabilities[j]!)]))), 'the maps');
  t.same(Object.keys(await s.runFeeds({ X: ROWS }, ['output_probability'])), ['output_probability']);
});

t.test('a tree classifier with tensor outputs', async (t) => {
  const s = await loadSession(treeClassifierOnnx({ labels: [0, 1, 2], zipMap: false }));
  const out = await s.runFeeds({ X: ROWS });
  const ref = ROWS.map(classifierReference);
  t.same(Array.from(tensorOf(out.label).data as BigInt64Array), ref.map((r) => BigInt(r.index)));
  const p = tensorOf(out.probabilities);
  t.same(p.dims, [4, 3]);
  t.ok(close(p.data as Float32Array, ref.flatMap((r) => r.probabilities)));
});

t.test('int64 from numbers or bigints, bool, strings; outputs selected by name', async (t) => {
  const s = await loadSession(mixedInputsOnnx());
  const out = await s.runFeeds({ a: [1, 2n, -(2n ** 40n)], flag: [true, false, 1], text: ['x', 'é', ''] });
  t.same(Array.from(tensorOf(out.y).data as Float32Array), [2, 2, -(2 ** 40)]);
  t.same(Array.from(tensorOf(out.a_copy).data as BigInt64Array), [1n, 2n, -(2n ** 40n)]);
  t.same(tensorOf(out.text_copy).data, ['x', 'é', '']);
  t.same(tensorOf(out.text_copy).type, 'string');
  t.match(s.notRows, /takes a int64 \[N\]; flag bool \[N\]; text string \[N\], not rows of numbers/);
  await rejectsWith(t, s.run(new Float32Array(0), 1, 0), 'BAD_MODEL', 'not rows of numbers', 'handler API');
  const typed = await s.runFeeds({ a: { type: 'int64', dims: [1], data: BigInt64Array.of(7n) }, flag: { data: [0], dims: [1] }, text: { data: ['z'], dims: [1] } }, ['a_copy']);
  t.same(Object.keys(typed), ['a_copy']);
  t.same(Array.from(tensorOf(typed.a_copy).data as BigInt64Array), [7n]);
});

t.test('bad feeds are INVALID_INPUT naming the input and what is wrong', async (t) => {
  const lin = await loadSession(linearRegressorOnnx(W, 3));
  const mixed = await loadSession(mixedInputsOnnx());
  await rejectsWith(t, lin.runFeeds({ X, Z: [[1]] }), 'INVALID_INPUT', '"Z"', 'unknown input', '"X"');
  await rejectsWith(t, lin.runFeeds({}), 'INVALID_INPUT', '"X"', 'missing');
  await rejectsWith(t, lin.runFeeds({ X: [1, 2, 3] }), 'INVALID_INPUT', '"X"', '1 dimension', '[N, 3]');
  await rejectsWith(t, lin.runFeeds({ X: [[1, 2]] }), 'INVALID_INPUT', '"X"', 'dimension 1 is 2', 'expects 3');
  await rejectsWith(t, lin.runFeeds({ X: [[1, 2, 3], [1, 2]] }), 'INVALID_INPUT', '"X"', '[1]', 'ragged');
  await rejectsWith(t, lin.runFeeds({ X: [[1, 2, [3]]] }), 'INVALID_INPUT', '"X"', '[0][2]', 'ragged');
  await rejectsWith(t, lin.runFeeds({ X: [[1, 'two', 3]] }), 'INVALID_INPUT', '"X"', 'value 1', '"two"', 'not a number');
  await rejectsWith(t, lin.runFeeds({ X: { data: [1, 2], dims: [1, 3] } }), 'INVALID_INPUT', '"X"', '2 values', '[1, 3]');
  await rejectsWith(t, lin.runFeeds({ X: { type: 'float64', data: Float64Array.of(1, 2, 3), dims: [1, 3] } }), 'INVALID_INPUT', '"X"', 'float64', 'float32');
  await rejectsWith(t, lin.runFeeds({ X: 5 as never }), 'INVALID_INPUT', '"X"', 'nested array');
  await rejectsWith(t, lin.runFeeds([] as never), 'INVALID_INPUT', 'object');
  await rejectsWith(t, lin.runFeeds({ X }, ['nope']), 'INVALID_INPUT', 'unknown output "nope"', '"Y"');
  const ok = { flag: [true], text: ['x'] };
  await rejectsWith(t, mixed.runFeeds({ ...ok, a: [1.5] }), 'INVALID_INPUT', '"a"', 'value 0 (1.5)', 'int64');
  await rejectsWith(t, mixed.runFeeds({ ...ok, a: [2 ** 60] }), 'INVALID_INPUT', '"a"', 'int64');
  await rejectsWith(t, mixed.runFeeds({ a: [1], flag: ['yes'], text: ['x'] }), 'INVALID_INPUT', '"flag"', 'boolean');
  await rejectsWith(t, mixed.runFeeds({ a: [1], flag: [true], text: [3] }), 'INVALID_INPUT', '"text"', 'a string');
  await rejectsWith(t, mixed.runFeeds({ a: [1, 2], flag: [true], text: ['x'] }), 'INVALID_INPUT', '"flag"', 'dimension 0 (N) is 1', '"a" has N = 2');
});

t.test("the signature onnxruntime's metadata gives is the one read from the graph", async (t) => {
  // A library without inputMetadata/outputMetadata (as a stand-in may be) makes the session read the graph.
  const bare = {
    ...realOrt,
    InferenceSession: {
      async create(src: string | Uint8Array, o: realOrt.InferenceSession.SessionOptions) {
        const s = typeof src === 'string' ? await realOrt.InferenceSession.create(src, o) : await realOrt.InferenceSession.create(src, o);
        return { inputNames: s.inputNames, outputNames: s.outputNames, run: s.run.bind(s) };
      },
    },
  } as unknown as Ort;
  const unnamed = onnx.ModelProto.decode(linearRegressorOnnx(W, 3));
  unnamed.graph!.input![0]!.type!.tensorType!.shape!.dim![0] = onnx.TensorShapeProto.Dimension.create({});
  const models: Record<string, Uint8Array> = {
    linear: linearRegressorOnnx(W, 3),
    unnamed: onnx.ModelProto.encode(unnamed).finish(),
    mlp: mlpOnnx(MLP),
    zipmap: treeClassifierOnnx({ labels: ['a', 'b', 'c'], zipMap: true }),
    tensors: treeClassifierOnnx({ labels: [0, 1, 2], zipMap: false }),
    mixed: mixedInputsOnnx(),
  };
  for (const [name, bytes] of Object.entries(models)) {
    const sig = readOnnxSignature(bytes);
    const want = { inputs: sig.inputs, outputs: sig.outputs };
    t.same((await loadSession(bytes)).signature, want, `${name}: onnxruntime-node`);
    const s = await loadSession(bytes, { onnxruntime: bare });
    t.same(s.signature, want, `${name}: read from the graph`);
    if (name !== 'mixed') {
      const width = Number(sig.inputs[0]!.shape[1]);
      const out = await s.runFeeds({ X: [Array.from({ length: width }, (_, i) => i)] });
      t.same(Object.keys(out), sig.outputs.map((o) => o.name), `${name}: every output answered`);
    }
  }
});

const hasPythonOnnx = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

t.test('the test kit\'s models pass the ONNX reference checker', { skip: hasPythonOnnx ? false : `${PYTHON} cannot import onnx (Debian python3-onnx)` }, async (t) => {
  const dir = await tempDir(t);
  const models: Record<string, Uint8Array> = {
    linear: linearRegressorOnnx(W, 3),
    mlp: mlpOnnx(MLP),
    zipmap_int: treeClassifierOnnx({ labels: [1, 2, 3], zipMap: true }),
    zipmap_str: treeClassifierOnnx({ labels: ['a', 'b', 'c'], zipMap: true }),
    tensors: treeClassifierOnnx({ labels: [0, 1, 2], zipMap: false }),
    mixed: mixedInputsOnnx(),
  };
  for (const [name, bytes] of Object.entries(models)) {
    const file = path.join(dir, `${name}.onnx`);
    await fs.writeFile(file, bytes);
    // Shape inference (full_check) fails on any map type before onnx 1.15 (onnx/onnx#5231, fixed by #5188), for
    // skl2onnx's ZipMap models as well: those get the structural check only.
    const full = !name.startsWith('zipmap');
    const r = spawnSync(PYTHON, ['-c', `import onnx, sys\nonnx.checker.check_model(onnx.load(sys.argv[1]), full_check=${full ? 'True' : 'False'})`, file], { encoding: 'utf8' });
    t.equal(r.status, 0, `${name}: check_model(full_check=${full}) ${r.stderr.trim().split('\n').pop() ?? ''}`);
  }
});

t.test('warmUp runs every kind of model once on zeros of its inputs; a model that refuses zeros is not warmed, not failed', async (t) => {
  const models: Array<[string, Uint8Array]> = [
    ['linear', linearRegressorOnnx([1, 2], 3)],
    ['classifier with ZipMap', treeClassifierOnnx({ labels: ['a', 'b', 'c'], zipMap: true })],
    ['int64, bool and string inputs', mixedInputsOnnx()],
  ];
  for (const [label, bytes] of models) t.equal(await (await loadSession(bytes)).warmUp(), true, label);
  // A graph that fails on zeros: Div of int64 by zero is an error in onnxruntime.
  const g = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'div',
      node: [{ opType: 'Div', input: ['a', 'a'], output: ['q'] }],
      input: [{ name: 'a', type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimValue: 1 }] } } } }],
      output: [{ name: 'q', type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimValue: 1 }] } } } }],
    },
  });
  const div = await loadSession(onnx.ModelProto.encode(g).finish());
  t.equal(await div.warmUp(), false, 'integer division by zero: not warmed, and no throw');
});
