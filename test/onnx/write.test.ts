// forestToOnnx: onnxruntime-node must predict what forest.ts predicts, on every row, including rows
// exactly on thresholds and on their float32 neighbours; the file must pass ONNX's reference checker.
import t from 'tap';
import { tempDir } from '../kit/project.js';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { predict, type Forest, type Tree, treeFromLists } from '../../src/forest/forest.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { onnxToForest, readOnnxSignature } from '../../src/onnx/read.js';
import { loadSession, runForest } from '../../src/onnx/session.js';
import { nextDown32 } from '../../src/forest/float32.js';
import { onnx } from '../../src/onnx/proto.js';

const N_FEATURES = 5;

/** mulberry32: a small seeded PRNG so every run tests the same forests. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random tree of at most `depth` levels with float32-exact thresholds, some on a coarse grid. */
function randomTree(rand: () => number, depth: number): Tree {
  const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [];
  const grow = (d: number): number => {
    const id = feature.length;
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1); value.push(50 + 450 * rand());
    if (d < depth && (d === 0 || rand() < 0.85)) {
      feature[id] = Math.floor(rand() * N_FEATURES);
      // A coarse grid makes rows land exactly on thresholds; the rest are arbitrary float32 values.
      threshold[id] = rand() < 0.3 ? Math.round(rand() * 8 - 4) / 4 : Math.fround(rand() * 6 - 3);
      left[id] = grow(d + 1);
      right[id] = grow(d + 1);
    }
    return id;
  };
  grow(0);
  return treeFromLists({ feature, threshold, left, right, value });
}

function randomForest(seed: number, depth: number, nTrees = 100): Forest {
  const rand = rng(seed);
  return { nFeatures: N_FEATURES, trees: Array.from({ length: nTrees }, () => randomTree(rand, depth)) };
}

const nextUp32 = (x: number): number => -nextDown32(-x);

/** Random rows, then for (a sample of) every threshold a row on it and rows on both float32 neighbours. */
function testRows(forest: Forest, seed: number): { x: Float32Array; rows: number } {
  const rand = rng(seed);
  const out: number[] = [];
  const randomRow = () => Array.from({ length: N_FEATURES }, () => Math.fround(rand() * 6 - 3));
  for (let i = 0; i < 500; i++) out.push(...randomRow());
  for (const tree of forest.trees) {
    for (let n = 0; n < tree.feature.length; n++) {
      if (tree.feature[n]! < 0 || rand() > 0.3) continue;
      const thr = tree.threshold[n]!;
      for (const v of [thr, nextUp32(thr), nextDown32(thr)]) {
        const row = randomRow();
        row[tree.feature[n]!] = v;
        out.push(...row);
      }
    }
  }
  return { x: Float32Array.from(out), rows: out.length / N_FEATURES };
}

async function onnxPredict(bytes: Uint8Array, x: Float32Array, rows: number): Promise<Float32Array> {
  const session = await loadSession(bytes);
  return runForest(session, session.inputNames[0]!, x, rows, N_FEATURES);
}

function worstRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): { err: number; row: number } {
  let err = 0, row = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1e-12);
    if (!(e <= err)) [err, row] = [e, i]; // NaN counts as the worst
  }
  return { err, row };
}

t.test('onnxruntime matches predict() on every row, thresholds included', async (t) => {
  for (const depth of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const forest = randomForest(1000 + depth, depth);
    const { x, rows } = testRows(forest, depth);
    const want = predict(forest, x, rows);
    const got = await onnxPredict(forestToOnnx(forest), x, rows);
    t.equal(got.length, rows, `depth ${depth}: one prediction per row`);
    const { err, row } = worstRelativeError(got, want);
    t.ok(err <= 1e-4, `depth ${depth}: ${rows} rows, worst relative error ${err.toExponential(2)} (row ${row})`);
  }
});

t.test('a threshold that is not float32-exact is rounded down, not to nearest', async (t) => {
  // fround(0.1) > 0.1, so predict() sends x = fround(0.1) right; a threshold rounded to nearest would
  // become fround(0.1) itself and send it left.
  const tree: Tree = {
    feature: Int32Array.from([0, -1, -1]), threshold: Float64Array.from([0.1, 0, 0]),
    left: Int32Array.from([1, -1, -1]), right: Int32Array.from([2, -1, -1]), value: Float64Array.from([0, 10, 20]),
  };
  const forest: Forest = { nFeatures: 1, trees: [tree] };
  const x = Float32Array.from([Math.fround(0.1), nextDown32(Math.fround(0.1)), 0.25, -1]);
  const session = await loadSession(forestToOnnx(forest));
  const got = await runForest(session, 'input', x, 4, 1);
  t.same(Array.from(got), Array.from(predict(forest, x, 4)));
  t.same(Array.from(got), [20, 10, 20, 10]);
});

t.test('signature, metadata and a round trip through onnxToForest', async (t) => {
  const forest = randomForest(7, 4, 10);
  const names = ['Distance (km)', 'Climb (m)', 'a', 'b', 'c'];
  const bytes = forestToOnnx(forest, { inputName: 'features', outputName: 'y', featureNames: names, producer: 'test' });
  const sig = readOnnxSignature(bytes);
  t.match(sig, {
    inputName: 'features', inputShape: ['N', 5], inputType: 'float', outputNames: ['y'], nFeatures: 5,
    hasTreeEnsembleRegressor: true, featureNames: names, opsets: { '': 13, 'ai.onnx.ml': 3 }, producer: 'test',
    irVersion: 8,
  });
  const back = onnxToForest(bytes);
  const { x, rows } = testRows(forest, 3);
  const { err } = worstRelativeError(predict(back, x, rows), predict(forest, x, rows));
  t.ok(err <= 1e-6, `round trip predicts the same (worst ${err.toExponential(2)})`);
  t.throws(() => forestToOnnx(forest, { featureNames: ['only one'] }), { code: 'BAD_MODEL' });
});

t.test('a broken forest is refused before onnxruntime sees it', async (t) => {
  const ok = randomForest(3, 2, 1).trees[0]!;
  const loop: Tree = { ...ok, left: Int32Array.from(ok.left, (c, i) => (i === 0 ? 0 : c)) }; // root → root
  t.throws(() => forestToOnnx({ nFeatures: 5, trees: [loop] }), { code: 'BAD_MODEL', message: /twice/ });
  t.throws(() => forestToOnnx({ nFeatures: 2, trees: [{ ...ok, feature: Int32Array.from(ok.feature, (f) => (f >= 0 ? 4 : f)) }] }),
    { code: 'BAD_MODEL', message: /feature 4/ });
  t.throws(() => forestToOnnx({ nFeatures: 5, trees: [] }), { code: 'BAD_MODEL', message: /no trees/ });
});

const hasPythonOnnx = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

t.test('the ONNX reference checker accepts the file', { skip: hasPythonOnnx ? false : '/usr/bin/python3 cannot import onnx (Debian python3-onnx)' }, async (t) => {
  const dir = await tempDir(t, 'bento-onnx-');
  // The checker's verdict, printed by Python: "valid", or "invalid: <why>" when it raises ValidationError.
  // Anything else (onnx missing, a crash) exits non-zero and is no verdict at all.
  const verdict = (file: string): string => {
    const r = spawnSync('/usr/bin/python3', ['-c', [
      'import onnx, sys',
      'try:',
      '    onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)',
      '    print("valid")',
      'except onnx.checker.ValidationError as e:',
      '    print("invalid: " + str(e).replace("\\n", " "))',
    ].join('\n'), file], { encoding: 'utf8' });
    t.equal(r.status, 0, `the checker ran on ${file} ${r.stderr}`);
    return r.stdout.trim();
  };
  for (const depth of [1, 8]) {
    const file = join(dir, `d${depth}.onnx`);
    writeFileSync(file, forestToOnnx(randomForest(depth, depth), { featureNames: ['a', 'b', 'c', 'd', 'e'], docString: 'test' }));
    t.equal(verdict(file), 'valid', `depth ${depth} passes check_model(full_check=True)`);
  }
  // The checker really checks: the same model without the ai.onnx.ml opset import is rejected.
  const model = onnx.ModelProto.decode(forestToOnnx(randomForest(1, 1, 2)));
  model.opsetImport = model.opsetImport.filter((o) => o.domain !== 'ai.onnx.ml');
  const broken = join(dir, 'broken.onnx');
  writeFileSync(broken, onnx.ModelProto.encode(model).finish());
  t.match(verdict(broken), /^invalid: .*ai\.onnx\.ml/, 'a model missing its ai.onnx.ml opset fails the checker, naming the domain');
});
