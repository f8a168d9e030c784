// importModel from the other formats: an ONNX TreeEnsembleRegressor (ours, and scikit-learn's layout
// where Debian's python3-sklearn/python3-onnx exist) and an ml-random-forest JSON model.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RandomForestRegression } from 'ml-random-forest';
import t from 'tap';
import { onnx } from '../../src/onnx/proto.js';
import { loadSession, runForest } from '../../src/onnx/session.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { importModel } from '../../src/models/import.js';
import { getModel } from '../../src/models/model-store.js';
import { tempDir, tempHome } from '../kit/project.js';
import { rejectsWith, tinyForest } from '../kit/helpers.js';

async function predictStored(tag: string, rows: number[][]): Promise<Float32Array> {
  const { info, dir } = await getModel(tag);
  const session = await loadSession(path.join(dir, info.model_file), { intraOpNumThreads: 1 });
  const n = info.features.length;
  return runForest(session, info.signature.inputs[0]!.name, Float32Array.from(rows.flat()), rows.length, n);
}

t.test('an ONNX model: stored byte for byte, signature and feature names from the file', async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  const bytes = forestToOnnx(tinyForest(3), { inputName: 'float_input', featureNames: ['x', 'y', 'z'] });
  const file = path.join(dir, 'My Forest.onnx');
  await fs.writeFile(file, bytes);
  const info = await importModel(file);
  t.equal(info.name, 'my_forest', 'name from the file name');
  t.equal(info.source, 'onnx');
  t.same(info.features, ['x', 'y', 'z'], 'feature names from the metadata');
  t.same(info.signature.inputs, [{ name: 'float_input', shape: ['N', 3], dtype: 'float32' }]);
  t.same(info.signature.outputs.map((o) => o.name), ['variable']);
  t.same(info.metrics, {});
  t.equal(info.preprocessing, undefined, 'an imported model stores no preprocessing');
  const { dir: stored } = await getModel('my_forest');
  t.ok((await fs.readFile(path.join(stored, 'model.onnx'))).equals(Buffer.from(bytes)), 'the original bytes, unchanged');
  t.same(Array.from(await predictStored('my_forest', [[0, 0, 0], [1, 0, 0]])), [1, 2], 'it runs');

  const named = await importModel(file, { name: 'renamed', features: ['p', 'q', 'r'] });
  t.equal(named.name, 'renamed');
  t.same(named.features, ['p', 'q', 'r'], '--features wins over the metadata');
  await rejectsWith(t, importModel(file, { features: ['a', 'b'] }), 'BAD_ARGUMENT', '2 names', '3 features');
  await rejectsWith(t, importModel(file, { name: 'x:v1' }), 'BAD_ARGUMENT', 'x:v1');

  const bare = path.join(dir, 'bare.onnx');
  await fs.writeFile(bare, forestToOnnx(tinyForest(2)));
  t.same((await importModel(bare)).features, ['f0', 'f1'], 'no names anywhere: f0..fN-1');
});

t.test('ONNX models the store cannot serve are BAD_MODEL', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  const tensor = (name: string) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }] } } },
  });
  // An operator onnxruntime does not know.
  const unknownOp = onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'g', node: [{ opType: 'Frobnicate', input: ['x'], output: ['y'] }], input: [tensor('x')], output: [tensor('y')] },
  })).finish();
  await fs.writeFile(path.join(dir, 'unknown-op.onnx'), unknownOp);
  await rejectsWith(t, importModel(path.join(dir, 'unknown-op.onnx')), 'BAD_MODEL', 'unknown-op.onnx', 'Frobnicate');
  // A tree ensemble onnxruntime refuses to load (an unknown branch mode) is refused at import, not at serve time.
  const unservable = onnx.ModelProto.decode(forestToOnnx(tinyForest()));
  const modes = unservable.graph!.node![0]!.attribute!.find((a) => a.name === 'nodes_modes')!;
  modes.strings = modes.strings!.map((m) => (Buffer.from(m).toString() === 'LEAF' ? m : Buffer.from('BRANCH_SIDEWAYS')));
  await fs.writeFile(path.join(dir, 'unservable.onnx'), onnx.ModelProto.encode(unservable).finish());
  await rejectsWith(t, importModel(path.join(dir, 'unservable.onnx')), 'BAD_MODEL', 'unservable.onnx');
  await fs.writeFile(path.join(dir, 'garbage.onnx'), 'not protobuf at all, just words');
  await rejectsWith(t, importModel(path.join(dir, 'garbage.onnx')), 'BAD_MODEL', 'garbage.onnx');
  await fs.writeFile(path.join(dir, 'other.json'), '{"hello": "world"}');
  await rejectsWith(t, importModel(path.join(dir, 'other.json')), 'BAD_MODEL', 'ml-random-forest');
  await fs.writeFile(path.join(dir, 'broken.json'), '{"name": ');
  await rejectsWith(t, importModel(path.join(dir, 'broken.json')), 'BAD_MODEL', 'broken.json');
  t.same(await fs.readdir(path.join(home, 'models')).catch(() => []), [], 'nothing stored');
});

t.test('a folder given as the model file is a user error naming it', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  await rejectsWith(t, importModel(dir), 'BAD_ARGUMENT', dir, 'is a folder');
  t.same(await fs.readdir(path.join(home, 'models')).catch(() => []), [], 'nothing stored');
});

t.test('an ml-random-forest JSON model: converted to ONNX, predicting what the library predicts', async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const X = Array.from({ length: 60 }, () => [Math.fround(rnd() * 10), Math.floor(rnd() * 4), Math.fround(rnd())]);
  const y = X.map(([a, b, c]) => 2 * a! + 5 * b! - c!);
  const rf = new RandomForestRegression({ nEstimators: 5, seed: 3, noOOB: true, treeOptions: { maxDepth: 4 } } as never);
  rf.train(X, y);
  const file = path.join(dir, 'rf.json');
  await fs.writeFile(file, JSON.stringify(rf.toJSON()));

  const info = await importModel(file, { features: ['dist', 'level', 'noise'] });
  t.equal(info.name, 'rf');
  t.equal(info.source, 'ml-random-forest');
  t.same(info.features, ['dist', 'level', 'noise']);
  t.same(info.signature.inputs, [{ name: 'input', shape: ['N', 3], dtype: 'float32' }]);
  t.same(info.params, { n_estimators: 5 });
  const want = rf.predict(X);
  const got = await predictStored('rf', X);
  let off = 0;
  for (let i = 0; i < X.length; i++) if (!(Math.abs(got[i]! - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)))) off++;
  t.equal(off, 0, `stored ONNX equals ml-random-forest on all ${X.length} rows`);
  t.match((await importModel(file, { name: 'rf_default' })).features, ['f0', 'f1', 'f2']);
});

const hasSklearn = spawnSync('/usr/bin/python3', ['-c', 'import onnx, sklearn'], { stdio: 'ignore' }).status === 0;

t.test('a scikit-learn forest in skl2onnx layout imports and serves sklearn\'s predictions', {
  skip: hasSklearn ? false : '/usr/bin/python3 cannot import onnx and sklearn (Debian python3-onnx, python3-sklearn)',
}, async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  const script = fileURLToPath(new URL('../onnx/fixtures/sklearn_forest.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, dir], { encoding: 'utf8' });
  t.equal(r.status, 0, `fixture script ran ${r.stderr}`);
  const cases = JSON.parse(await fs.readFile(path.join(dir, 'cases.json'), 'utf8')) as {
    X: number[][]; nPlain: number; variants: Record<string, { file: string; sklearn: number[] }>;
  };
  const v = cases.variants.rf_sum!;
  const info = await importModel(v.file, { name: 'skl_rf', features: ['a', 'b', 'c', 'd', 'e'] });
  t.same(info.signature.inputs, [{ name: 'X', shape: ['?', 5], dtype: 'float32' }], 'input name and shape from the file');
  const rows = cases.X.slice(0, cases.nPlain);
  const got = await predictStored('skl_rf', rows);
  let off = 0;
  for (let i = 0; i < rows.length; i++) if (!(Math.abs(got[i]! - v.sklearn[i]!) <= 1e-4 * Math.max(1, Math.abs(v.sklearn[i]!)))) off++;
  t.equal(off, 0, `equals scikit-learn on ${rows.length} rows`);
});
