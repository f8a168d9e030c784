/**
 * Models for the runtime's tests and benchmarks, written straight into a folder (model.onnx + model.yaml),
 * without the model store: a seeded random forest over the activities features, and its reference predictions.
 * The models look like trained ones: they store the project's preprocessing (conf/base/catalog.yml's rules).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { forestToOnnx } from '../../src/onnx/write.js';
import type { ModelInfo, ModelPreprocessing } from '../../src/models/model-info.js';
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
    source: 'trainer',
    model_file: 'model.onnx',
    signature: {
      inputs: [{ name: 'input', shape: ['N', FEATURES.length], dtype: 'float32' }],
      outputs: [{ name: 'variable', shape: ['N', 1], dtype: 'float32' }],
    },
    features: [...FEATURES],
    metrics: {},
    params: {},
    fill: { [HEART_RATE]: FILL_HEART_RATE },
    preprocessing: activitiesPreprocessing(FILL_HEART_RATE),
    labels: {},
    files: {},
  };
  writeFileSync(path.join(dir, 'model.yaml'), YAML.stringify(info));
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
