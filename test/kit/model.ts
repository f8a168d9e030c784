/**
 * The test kit's models: forests made by hand or seeded at random, and ONE way to turn a forest into a
 * trained-looking model (model.onnx + the ModelInfo a trained model stores, with the project's preprocessing:
 * conf/base/catalog.yml's rules), either saved into the model store (`saveTestModel`, `makeModel`) or written
 * straight into a folder for createServer (`writeModel`). Reference predictions go with each forest.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forestToOnnx } from '../../src/onnx/write.js';
import type { ModelInfo, ModelPreprocessing } from '../../src/models/model-info.js';
import { saveModel, type SaveModelInput } from '../../src/models/model-store.js';
import { stringifyModelInfo } from '../../src/models/model-yaml.js';
import { rowsSignature } from '../../src/models/signature.js';
import { parseCatalog } from '../../src/pipeline/catalog.js';
import { predict, type Forest, type Tree, treeFromLists } from '../../src/forest/forest.js';

/** The activities model's inputs, in order: the kit's own list, which its reference computations below follow. */
export const FEATURES = ['Distance (km)', 'Average Speed (km/h)', 'Calories Burned', 'Climb (m)', 'Average Heart rate (tpm)'] as const;
export const HEART_RATE = 'Average Heart rate (tpm)';
export const FILL_HEART_RATE = 130;

const CATALOG = fileURLToPath(new URL('../../conf/base/catalog.yml', import.meta.url));

/**
 * What a model trained with the project's conf stores for serving: the catalog's rules, with
 * `fillHeartRate` as the learned heart-rate mean.
 */
export function activitiesPreprocessing(fillHeartRate: number): ModelPreprocessing {
  const catalog = parseCatalog(readFileSync(CATALOG, 'utf8'), CATALOG);
  if (catalog.features.join('\n') !== FEATURES.join('\n')) throw new Error(`${CATALOG}: its features are not the kit's FEATURES`);
  return { features: [...FEATURES], target: catalog.target, rules: catalog.rules, fill: { [HEART_RATE]: fillHeartRate } };
}

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranges of the five features, for thresholds and random records. */
const RANGES: Array<[number, number]> = [
  [0, 30],
  [5, 30],
  [100, 2000],
  [0, 1000],
  [60, 190],
];

function randomTree(rand: () => number, depth: number): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const grow = (d: number): number => {
    const id = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(Math.round(rand() * 1000) / 100);
    if (d < depth) {
      const f = Math.floor(rand() * FEATURES.length);
      const [lo, hi] = RANGES[f]!;
      feature[id] = f;
      threshold[id] = Math.fround(lo + rand() * (hi - lo));
      left[id] = grow(d + 1);
      right[id] = grow(d + 1);
    }
    return id;
  };
  grow(0);
  return treeFromLists({ feature, threshold, left, right, value });
}

/** A forest of `trees` full trees of depth `depth` over the five activities features. */
export function randomForest(seed = 1, trees = 10, depth = 4): Forest {
  const rand = rng(seed);
  return { nFeatures: FEATURES.length, trees: Array.from({ length: trees }, () => randomTree(rand, depth)) };
}

/** `n` random activity records, with extra fields as the original clients send them. */
export function randomRecords(n: number, seed = 7): Array<Record<string, unknown>> {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const r: Record<string, unknown> = { Date: '2024-05-01', 'Activity ID': i, Type: 'Running', Quality: 3 };
    FEATURES.forEach((f, j) => {
      const [lo, hi] = RANGES[j]!;
      r[f] = Math.round((lo + rand() * (hi - lo)) * 10) / 10;
    });
    return r;
  });
}

/** What the activities service feeds the model for a record: clamp distance, raise/fill heart rate. */
export function preprocessed(record: Record<string, unknown>): number[] {
  return FEATURES.map((f) => {
    const v = record[f] as number | null | undefined;
    if (f === HEART_RATE) return Math.fround(v == null ? FILL_HEART_RATE : Math.max(v, 60));
    if (f === 'Distance (km)') return Math.fround(Math.min(v as number, 30));
    return Math.fround(v as number);
  });
}

/** The forest's predictions for the records, as float32 (what onnxruntime answers). */
export function expected(forest: Forest, records: Array<Record<string, unknown>>): number[] {
  const x = records.flatMap(preprocessed);
  return Array.from(predict(forest, x, records.length), (v) => Math.fround(v));
}

/**
 * Writes `<modelsDir>/<name>/<version>/{model.onnx,model.yaml}` and returns what createServer needs.
 */
export function writeModel(
  modelsDir: string,
  forest: Forest,
  opts: { name?: string; version?: string } = {},
): { info: ModelInfo; onnxPath: string; dir: string } {
  const name = opts.name ?? 'activities_regressor';
  const version = opts.version ?? 'testversion0001';
  const dir = path.join(modelsDir, name, version);
  mkdirSync(dir, { recursive: true });
  const onnxPath = path.join(dir, 'model.onnx');
  writeFileSync(onnxPath, forestToOnnx(forest, { featureNames: [...FEATURES] }));
  const info: ModelInfo = {
    name,
    version,
    creation_time: new Date(0).toISOString(),
    model_file: 'model.onnx',
    files: {},
    ...trainedInfo([...FEATURES], activitiesPreprocessing(FILL_HEART_RATE)),
  };
  writeFileSync(path.join(dir, 'model.yaml'), stringifyModelInfo(info));
  return { info, onnxPath, dir };
}

/**
 * Whether `got` holds the forest's predictions for `want`, row for row: onnxruntime sums the trees in
 * float32 in its own order, so a value may differ from ours in the last bits (never by 1e-4).
 */
export function matches(got: unknown, want: number[]): boolean {
  return (
    Array.isArray(got) &&
    got.length === want.length &&
    got.every((g, i) => typeof g === 'number' && Math.abs(g - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)))
  );
}

/** What a trained model stores besides its tag and files: the signature, features and (optionally) preprocessing. */
export function trainedInfo(features: string[], preprocessing?: ModelPreprocessing): SaveModelInput['info'] {
  return {
    source: 'trainer',
    signature: rowsSignature(features.length),
    features,
    metrics: {},
    params: {},
    ...(preprocessing ? { preprocessing } : {}),
    labels: {},
  };
}

/**
 * Saves `forest` as a trained-looking model into the model store under the current BENTO_HOME; `info`
 * overrides fields of the stored ModelInfo, `extraFiles` are stored beside it (charts).
 */
export async function saveTestModel(opts: {
  name: string;
  forest: Forest;
  features: string[];
  preprocessing?: ModelPreprocessing;
  info?: Partial<SaveModelInput['info']>;
  extraFiles?: SaveModelInput['extraFiles'];
}): Promise<ModelInfo> {
  return saveModel({
    name: opts.name,
    onnx: forestToOnnx(opts.forest, { featureNames: opts.features }),
    info: { ...trainedInfo(opts.features, opts.preprocessing), ...opts.info },
    ...(opts.extraFiles ? { extraFiles: opts.extraFiles } : {}),
  });
}

function stump(feature: number, threshold: number, low: number, high: number): Tree {
  return {
    feature: Int32Array.from([feature, -1, -1]),
    threshold: Float64Array.from([threshold, 0, 0]),
    left: Int32Array.from([1, -1, -1]),
    right: Int32Array.from([2, -1, -1]),
    value: Float64Array.from([0, low, high]),
  };
}

/**
 * A forest you can work out by hand, over the activities features; `offset` shifts every leaf, to make a
 * different model of the same shape.
 *
 *   tree 1: Distance (km) <= 10 ? 2 : 4
 *   tree 2: Average Heart rate (tpm) <= 120 ? 1 : 3          prediction = mean of the two (+ offset)
 */
export function testForest(offset = 0): Forest {
  return { nFeatures: FEATURES.length, trees: [stump(0, 10, 2 + offset, 4 + offset), stump(4, 120, 1 + offset, 3 + offset)] };
}

/** What testForest predicts for one (already preprocessed) row of the five features. */
export function expectedPrediction(row: number[], offset = 0): number {
  const a = row[0]! <= 10 ? 2 : 4;
  const b = row[4]! <= 120 ? 1 : 3;
  return (a + b) / 2 + offset;
}

/** A 2-feature forest: one tree splitting on feature 0 at 0.5 (left 1, right 2). */
export function tinyForest(nFeatures = 2): Forest {
  return { nFeatures, trees: [stump(0, 0.5, 1, 2)] };
}

/**
 * Saves testForest as the activities model (set BENTO_HOME first), storing the project's preprocessing
 * with FILL_HEART_RATE as the learned mean, as a trained model does.
 *
 * @example
 *   const info = await makeModel(); // activities_regressor:<version>
 */
export async function makeModel(opts: { name?: string; offset?: number } = {}): Promise<ModelInfo> {
  return saveTestModel({
    name: opts.name ?? 'activities_regressor',
    forest: testForest(opts.offset ?? 0),
    features: [...FEATURES],
    preprocessing: activitiesPreprocessing(FILL_HEART_RATE),
    info: { params: { n_estimators: 2, max_depth: 1 } },
  });
}

/**
 * A degenerate tree: a chain `depth` branches deep on feature `feature` (branch k: x <= k ? leaf k : next),
 * in a forest of `nFeatures` features. The shape that overflowed onnxruntime's stack at 20 000 levels.
 */
export function chainForest(depth: number, nFeatures = 1, feature = 0): Forest {
  const F: number[] = [], T: number[] = [], L: number[] = [], R: number[] = [], V: number[] = [];
  for (let k = 0; k < depth; k++) {
    F.push(feature, -1); T.push(k, 0); L.push(2 * k + 1, -1); R.push(2 * k + 2, -1); V.push(0, k);
  }
  F.push(-1); T.push(0); L.push(-1); R.push(-1); V.push(depth);
  return { nFeatures, trees: [{ feature: Int32Array.from(F), threshold: Float64Array.from(T), left: Int32Array.from(L), right: Int32Array.from(R), value: Float64Array.from(V) }] };
}

/** An ml-random-forest RFRegression JSON text whose one tree is a chain `depth` levels deep (built as text: no recursion). */
export function chainMlRandomForest(depth: number, indexes = '[[0]]'): string {
  const open = '{"splitColumn":0,"splitValue":0.5,"left":{"distribution":1},"right":';
  const leaf = '{"distribution":2}';
  const root = open.repeat(depth) + leaf + '}'.repeat(depth);
  return `{"name":"RFRegression","selectionMethod":"mean","baseModel":{"indexes":${indexes},"nEstimators":1,"isClassifier":false,"estimators":[{"name":"DTRegression","root":${root}}]}}`;
}
