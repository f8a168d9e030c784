// Tree models built to crash or exhaust the importer or onnxruntime (a chain 20 000 levels deep, feature
// indices out of range or huge, a cycle) are refused with one BAD_MODEL line naming the limit, on every
// import path, in a child process that survives; what import accepts loads and predicts.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { importModel } from '../../src/models/import.js';
import { getModel } from '../../src/models/model-store.js';
import { DEFAULT_MODEL_LIMITS, modelLimits } from '../../src/onnx/limits.js';
import { mlRandomForestToForest } from '../../src/onnx/ml-random-forest.js';
import { onnx, type AttributeProto } from '../../src/onnx/proto.js';
import { loadSession } from '../../src/onnx/session.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { bento } from '../kit/cli.js';
import { rejectsWith } from '../kit/helpers.js';
import { chainForest, chainMlRandomForest } from '../kit/model.js';
import { tempDir, tempHome } from '../kit/project.js';

/** ONNX bytes of `forest` with the TreeEnsembleRegressor's attributes edited by `edit`. */
function editedOnnx(bytes: Uint8Array, edit: (attrs: Map<string, AttributeProto>) => void): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const node = model.graph!.node![0]!;
  edit(new Map((node.attribute ?? []).map((a) => [a.name ?? '', a])));
  return onnx.ModelProto.encode(model).finish();
}

t.test('the CLI refuses a 20 000-level ONNX tree and a 200 000-level ml-random-forest tree with one line, and lives', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  const deepOnnx = path.join(dir, 'deep.onnx');
  await fs.writeFile(deepOnnx, forestToOnnx(chainForest(20_000)));
  const deepJson = path.join(dir, 'deep.json');
  await fs.writeFile(deepJson, chainMlRandomForest(200_000));
  for (const file of [deepOnnx, deepJson]) {
    const r = await bento(['models', 'import', file], { home });
    t.equal(r.code, 1, `${path.basename(file)}: exit 1, not a crash (${r.code})`);
    t.match(r.stderr, /^BAD_MODEL: .*levels deep.*over the limit of 1000 \(BENTO_MAX_TREE_DEPTH\)\n$/, `${path.basename(file)}: one line naming the limit`);
  }
  const list = await bento(['models', 'list', '-o', 'json'], { home });
  t.same(JSON.parse(list.stdout), [], 'nothing was stored');
});

t.test('a 255-byte ml-random-forest JSON naming feature index 10^8 is BAD_MODEL, not a heap exhausted', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  for (const index of ['100000000', '2147483648']) {
    const text = `{"name":"RFRegression","selectionMethod":"mean","baseModel":{"indexes":[[${index}]],"nEstimators":1,"isClassifier":false,"estimators":[{"name":"DTRegression","root":{"splitColumn":0,"splitValue":0.5,"left":{"distribution":1},"right":{"distribution":2}}}]}}`;
    t.ok(text.length < 260, `${text.length} bytes`);
    const file = path.join(dir, `huge-${index}.json`);
    await fs.writeFile(file, text);
    await rejectsWith(t, importModel(file), 'BAD_MODEL', `feature index ${index}`, 'BENTO_MAX_FEATURES');
    const r = await bento(['models', 'import', file], { home });
    t.equal(r.code, 1);
    t.match(r.stderr, /^BAD_MODEL: .*BENTO_MAX_FEATURES\)\n$/);
  }
  // --features wider than the limit is refused before anything is sized by it.
  t.throws(() => mlRandomForestToForest(JSON.parse(chainMlRandomForest(1)), { nFeatures: DEFAULT_MODEL_LIMITS.maxFeatures + 1 }), { code: 'BAD_MODEL', message: /BENTO_MAX_FEATURES/ });
});

t.test('feature indices outside the input, cycles and too many nodes are refused before onnxruntime sees them', async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  const two = forestToOnnx(chainForest(3, 2)); // input [N, 2]
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['feature index 5 on a 2-wide input', editedOnnx(two, (a) => (a.get('nodes_featureids')!.ints = [5, 0, 0, 0, 0, 0, 0])), /feature index 5, outside the model's 2 input features/],
    ['negative feature index', editedOnnx(two, (a) => (a.get('nodes_featureids')!.ints = [-1, 0, 0, 0, 0, 0, 0])), /feature index -1/],
    ['a cycle back to the root', editedOnnx(two, (a) => (a.get('nodes_falsenodeids')!.ints = [2, 0, 0, 0, 0, 0, 0])), /reaches node 0 twice/],
    ['a child that does not exist', editedOnnx(two, (a) => (a.get('nodes_truenodeids')!.ints = [99, 0, 0, 0, 0, 0, 0])), /missing node 99/],
  ];
  for (const [what, bytes, message] of cases) {
    const file = path.join(dir, `${what.replace(/\W+/g, '-')}.onnx`);
    await fs.writeFile(file, bytes);
    await rejectsWith(t, importModel(file), 'BAD_MODEL', message);
  }
  const big = path.join(dir, 'big.onnx');
  await fs.writeFile(big, forestToOnnx(chainForest(50)));
  const before = process.env.BENTO_MAX_TREE_NODES;
  process.env.BENTO_MAX_TREE_NODES = '100';
  t.teardown(() => (before === undefined ? delete process.env.BENTO_MAX_TREE_NODES : (process.env.BENTO_MAX_TREE_NODES = before)));
  await rejectsWith(t, importModel(big), 'BAD_MODEL', 'more than 100 tree nodes', 'BENTO_MAX_TREE_NODES');
  process.env.BENTO_MAX_TREE_NODES = 'many';
  await rejectsWith(t, importModel(big), 'BAD_ARGUMENT', 'BENTO_MAX_TREE_NODES', '"many"');
});

t.test('the limits are settable, and a model at the depth limit imports and predicts', async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  t.same(modelLimits({ BENTO_MAX_TREE_DEPTH: '7' }), { ...DEFAULT_MODEL_LIMITS, maxDepth: 7 });
  const atLimit = path.join(dir, 'at-limit.onnx');
  await fs.writeFile(atLimit, forestToOnnx(chainForest(DEFAULT_MODEL_LIMITS.maxDepth)));
  const info = await importModel(atLimit, { name: 'chain' });
  const { dir: modelDir } = await getModel(`chain:${info.version}`);
  const session = await loadSession(path.join(modelDir, info.model_file));
  const y = await session.run(new Float32Array([999.5, 0.25]), 2, 1);
  t.same(Array.from(y), [1000, 1], 'the deepest leaf, and the second');

  const deepJson = path.join(dir, 'deep.json');
  await fs.writeFile(deepJson, chainMlRandomForest(8));
  const before = process.env.BENTO_MAX_TREE_DEPTH;
  process.env.BENTO_MAX_TREE_DEPTH = '5';
  t.teardown(() => (before === undefined ? delete process.env.BENTO_MAX_TREE_DEPTH : (process.env.BENTO_MAX_TREE_DEPTH = before)));
  await rejectsWith(t, importModel(deepJson), 'BAD_MODEL', 'more than 5 levels deep', 'BENTO_MAX_TREE_DEPTH');
  delete process.env.BENTO_MAX_TREE_DEPTH;
  const ok = await importModel(deepJson, { name: 'chain_json' });
  t.equal(ok.source, 'ml-random-forest', 'within the default limits it imports');
});

t.test('a too-deep model laid into the store by hand is refused by the build, so no bento can carry it', async (t) => {
  const home = await tempHome(t);
  const { saveTestModel } = await import('../kit/model.js');
  const { buildBento } = await import('../../src/builder/build.js');
  const { copyActivitiesProject } = await import('../kit/project.js');
  // saveModel writes what it is given: the store itself trusts its writers.
  const deep = chainForest(2000, 5);
  await saveTestModel({ name: 'activities_regressor', forest: deep, features: ['Distance (km)', 'Average Speed (km/h)', 'Calories Burned', 'Climb (m)', 'Average Heart rate (tpm)'] });
  await rejectsWith(t, buildBento({ projectDir: await copyActivitiesProject(t) }), 'BAD_MODEL', 'more than 1000 levels deep', 'BENTO_MAX_TREE_DEPTH');
  t.same(await fs.readdir(path.join(home, 'bentos')).catch(() => []), [], 'no bento');
});
