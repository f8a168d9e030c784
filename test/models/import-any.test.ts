// Importing ONNX models that are not forests (made by test/kit/onnx-fixtures.ts): the signature read from the
// graph, rows models told apart, classifiers' task and labels recorded, bytes stored unchanged, the stored
// model runs; the CLI path and its one-line errors; tree limits apply to classifiers too; a real scikit-learn
// classifier (written in skl2onnx's layout by test/onnx/fixtures/sklearn_classifier.py) answers what scikit-learn answers.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { importModel } from '../../src/models/import.js';
import { exportModel, getModel } from '../../src/models/model-store.js';
import { loadSession } from '../../src/onnx/session.js';
import { isTensorValue } from '../../src/onnx/tensors.js';
import { bento } from '../kit/cli.js';
import { rejectsWith } from '../kit/helpers.js';
import { classifierReference, linearRegressorOnnx, mixedInputsOnnx, mlpOnnx, treeClassifierOnnx } from '../kit/onnx-fixtures.js';
import { tempDir, tempHome } from '../kit/project.js';
import { PYTHON, sklearnMissing } from '../kit/python.js';

const MLP = { w1: [[1, -1], [0.5, 2]], b1: [0, -1], w2: [[1, 0], [2, 1]], b2: [0.5, 0] };

t.test('bento models import: any ONNX model, its signature from the graph, one line per error', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  const file = path.join(dir, 'linear.onnx');
  const bytes = linearRegressorOnnx([2, -1, 0.5], 3);
  await fs.writeFile(file, bytes);
  const r = await bento(['models', 'import', file, '--features', 'a,b,c'], { home });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^linear:\S+\n$/, 'prints the new tag');
  const got = await bento(['models', 'get', 'linear', '-o', 'json'], { home });
  t.equal(got.code, 0, got.stderr);
  const info = JSON.parse(got.stdout) as Record<string, unknown>;
  t.same(info.signature, { inputs: [{ name: 'X', shape: ['N', 3], dtype: 'float32' }], outputs: [{ name: 'Y', shape: ['N', 1], dtype: 'float32' }] });
  t.same(info.features, ['a', 'b', 'c']);
  t.equal(info.task, undefined, 'MatMul + Add says nothing of a task');
  const { dir: stored } = await getModel('linear');
  t.ok((await fs.readFile(path.join(stored, 'model.onnx'))).equals(Buffer.from(bytes)), 'bytes stored unchanged');

  const clf = path.join(dir, 'clf.onnx');
  await fs.writeFile(clf, treeClassifierOnnx({ labels: ['cat', 'dog', 'eel'], zipMap: true }));
  const summary = await bento(['models', 'import', clf], { home });
  t.equal(summary.code, 0, summary.stderr);

  await fs.writeFile(path.join(dir, 'garbage.onnx'), 'not protobuf at all, just words');
  for (const [args, env, code, parts] of [
    [['garbage.onnx'], {}, 'BAD_MODEL', ['garbage.onnx']],
    [['clf.onnx', '--name', 'deep'], { BENTO_MAX_TREE_DEPTH: '1' }, 'BAD_MODEL', ['clf.onnx', 'BENTO_MAX_TREE_DEPTH', 'TreeEnsembleClassifier']],
    [['clf.onnx', '--name', 'wide'], { BENTO_MAX_FEATURES: '1' }, 'BAD_MODEL', ['clf.onnx', 'BENTO_MAX_FEATURES']],
  ] as Array<[string[], Record<string, string>, string, string[]]>) {
    const bad = await bento(['models', 'import', ...args], { home, cwd: dir, env: { ...process.env, ...env } });
    t.not(bad.code, 0, `${args.join(' ')}: non-zero exit`);
    t.equal(bad.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line (${bad.stderr.trim()})`);
    t.match(bad.stderr, new RegExp(`^${code}: `), `${args.join(' ')}: ${code}`);
    for (const p of parts) t.match(bad.stderr, p, `${args.join(' ')}: names ${p}`);
  }
  const mixed = path.join(dir, 'mixed.onnx');
  await fs.writeFile(mixed, mixedInputsOnnx());
  const notRows = await bento(['models', 'import', mixed, '--features', 'a,b'], { home });
  t.not(notRows.code, 0);
  t.match(notRows.stderr, /^BAD_ARGUMENT: --features .*mixed\.onnx takes a int64 \[N\]; flag bool \[N\]; text string \[N\]\n$/);
  const list = await bento(['models', 'list', '-o', 'json'], { home });
  t.same((JSON.parse(list.stdout) as Array<{ name: string }>).map((m) => m.name).sort(), ['clf', 'linear'], 'nothing else stored');
});

t.test('each kind of model: signature, features, task and class labels; the stored model runs', async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  const put = async (name: string, bytes: Uint8Array): Promise<string> => {
    const f = path.join(dir, `${name}.onnx`);
    await fs.writeFile(f, bytes);
    return f;
  };

  const mlp = await importModel(await put('mlp', mlpOnnx(MLP)));
  t.same(mlp.signature, { inputs: [{ name: 'X', shape: ['batch', 2], dtype: 'float32' }], outputs: [{ name: 'Y', shape: ['batch', 2], dtype: 'float32' }] });
  t.same(mlp.features, ['f0', 'f1'], 'a rows model: one 2-D float input of fixed width');

  const zi = await importModel(await put('zipmap_int', treeClassifierOnnx({ labels: [10, 20, 30], zipMap: true })));
  t.same(zi.signature.outputs, [
    { name: 'output_label', shape: ['N'], dtype: 'int64' },
    { name: 'output_probability', shape: [], dtype: 'seq(map(int64,float32))' },
  ]);
  t.equal(zi.task, 'classifier');
  t.same(zi.class_labels, [10, 20, 30]);
  t.same(zi.features, ['f0', 'f1']);

  const zs = await importModel(await put('zipmap_str', treeClassifierOnnx({ labels: ['cat', 'dog', 'eel'], zipMap: true })), { features: ['x', 'y'] });
  t.same(zs.class_labels, ['cat', 'dog', 'eel']);
  t.same(zs.signature.outputs.map((o) => o.dtype), ['string', 'seq(map(string,float32))']);
  t.same(zs.features, ['x', 'y']);

  const tc = await importModel(await put('tensors', treeClassifierOnnx({ labels: [0, 1, 2], zipMap: false })));
  t.same(tc.signature.outputs, [{ name: 'label', shape: ['N'], dtype: 'int64' }, { name: 'probabilities', shape: ['N', 3], dtype: 'float32' }]);
  t.equal(tc.task, 'classifier');

  const mixed = await importModel(await put('mixed', mixedInputsOnnx()));
  t.same(mixed.features, [], 'several inputs: not a rows model');
  t.same(mixed.signature.inputs.map((i) => `${i.name}:${i.dtype}`), ['a:int64', 'flag:bool', 'text:string']);

  // The stored string-label classifier, loaded as the runtime loads it.
  const { info, dir: stored } = await getModel('zipmap_str');
  const s = await loadSession(path.join(stored, info.model_file));
  const rows: Array<[number, number]> = [[0, 0], [1, 0], [1, 1]];
  const out = await s.runFeeds({ X: rows });
  t.same(out.output_probability, rows.map((r) => Object.fromEntries(['cat', 'dog', 'eel'].map((l, j) => [l, Math.fround(classifierReference(r).probabilities[j]!)]))));
  await rejectsWith(t, importModel(path.join(dir, 'mixed.onnx'), { features: ['a'] }), 'BAD_ARGUMENT', '--features', 'mixed.onnx');

  // A model archive carries the new fields to another store.
  const archive = await exportModel('zipmap_str', path.join(dir, 'zs.model.tar.gz'));
  await tempHome(t);
  const moved = await importModel(archive);
  t.same({ ...moved }, { ...zs }, 'the same model.yaml after export → import');
});

t.test('tree limits apply to a TreeEnsembleClassifier', async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  const file = path.join(dir, 'clf.onnx');
  await fs.writeFile(file, treeClassifierOnnx({ labels: [0, 1, 2], zipMap: false }));
  const before = process.env.BENTO_MAX_TREE_DEPTH;
  process.env.BENTO_MAX_TREE_DEPTH = '1';
  t.teardown(() => (before === undefined ? delete process.env.BENTO_MAX_TREE_DEPTH : (process.env.BENTO_MAX_TREE_DEPTH = before)));
  await rejectsWith(t, importModel(file), 'BAD_MODEL', 'clf.onnx', 'tree 0 is more than 1 levels deep', 'BENTO_MAX_TREE_DEPTH');
});

t.test("a scikit-learn RandomForestClassifier in skl2onnx's layout answers scikit-learn's labels and probabilities", { skip: sklearnMissing() ?? false }, async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  execFileSync(PYTHON, [fileURLToPath(new URL('../onnx/fixtures/sklearn_classifier.py', import.meta.url)), dir]);
  const cases = JSON.parse(await fs.readFile(path.join(dir, 'cases.json'), 'utf8')) as {
    X: number[][];
    variants: Record<string, { file: string; classes: Array<number | string>; predict: Array<number | string>; proba: number[][] }>;
  };
  for (const [name, v] of Object.entries(cases.variants)) {
    const info = await importModel(v.file, { features: ['a', 'b', 'c', 'd'] });
    t.equal(info.task, 'classifier');
    t.same(info.class_labels, v.classes, `${name}: class labels`);
    const { dir: stored } = await getModel(info.name);
    const s = await loadSession(path.join(stored, info.model_file));
    const out = await s.runFeeds({ X: cases.X });
    const maps = out.output_probability as Array<Record<string, number>>;
    const label = out.output_label!;
    if (!isTensorValue(label)) throw new Error('label is a tensor');
    let offP = 0;
    let offLabel = 0;
    let close = 0;
    cases.X.forEach((_, i) => {
      const want = v.proba[i]!;
      const got = v.classes.map((c) => maps[i]![String(c)]!);
      if (got.some((p, j) => !(Math.abs(p - want[j]!) <= 1e-5))) offP++;
      // A near tie may fall either way in float32: only clear winners are compared.
      const sorted = [...want].sort((a, b) => b - a);
      if (sorted[0]! - sorted[1]! < 1e-4) return void close++;
      const l = label.data[i];
      if ((typeof l === 'bigint' ? Number(l) : l) !== v.predict[i]) offLabel++;
    });
    t.equal(offP, 0, `${name}: probabilities equal predict_proba on all ${cases.X.length} rows (±1e-5)`);
    t.equal(offLabel, 0, `${name}: labels equal predict on ${cases.X.length - close} rows (${close} near ties left out)`);
  }
});
