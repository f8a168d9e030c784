// What Session.runFeeds (handler APIs, the Open Inference Protocol) adds over a bare onnxruntime-node run:
// the baseline is `InferenceSession.run` with a ready Float32Array tensor, measured in the same run, on an MLP
// (8 → 32 → 3) and on a ZipMap tree classifier, for 1 row and 10 000 rows. Feeds as a Float32Array
// `{ data, dims }` (no conversion) and as nested arrays (JSON-shaped: dims from the nesting, values copied).
// Also: Session.load from onnxruntime's metadata against decoding the graph (the stand-in library path).
// Each figure is the median of 7 rounds that alternate the variants (the machine is shared: noise).
// Run: npm run bench -- run-feeds (or node --import tsx bench/run-feeds.ts)
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { loadSession, type Ort } from '../src/onnx/session.js';
import { forestToOnnx } from '../src/onnx/write.js';
import { mlpOnnx, treeClassifierOnnx } from '../test/kit/onnx-fixtures.js';
import { randomForest } from '../test/kit/model.js';
import { median } from './stats.js';

let seed = 11;
const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
const matrix = (r: number, c: number): number[][] => Array.from({ length: r }, () => Array.from({ length: c }, rand));


/** Median time of each variant and median ratio to the first, over rounds that alternate them (after a warm-up). */
async function compare(variants: Array<() => Promise<unknown>>, rounds = 7, minMs = 100): Promise<Array<{ ms: number; ratio: number }>> {
  for (const v of variants) for (let i = 0; i < 3; i++) await v();
  const times: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of variants.entries()) {
      let n = 0;
      const start = performance.now();
      do {
        await v();
        n++;
      } while (performance.now() - start < minMs);
      times[i]!.push((performance.now() - start) / n);
    }
  }
  return times.map((ts) => ({ ms: median(ts), ratio: median(ts.map((t, r) => t / times[0]![r]!)) }));
}

const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' as const };

const models = {
  'mlp 8→32→3': { bytes: mlpOnnx({ w1: matrix(8, 32), b1: matrix(1, 32)[0]!, w2: matrix(32, 3), b2: [0.1, 0.2, 0.3] }), width: 8 },
  'tree classifier + ZipMap': { bytes: treeClassifierOnnx({ labels: [0, 1, 2], zipMap: true }), width: 2 },
};

console.log('runFeeds against a bare onnxruntime run (ratio: time / baseline; 1.00 = no overhead)');
for (const [name, m] of Object.entries(models)) {
  const session = await loadSession(m.bytes);
  // The baseline runs the graph the session runs (for the classifier: without its ZipMap, which
  // onnxruntime-node cannot return), asking for the same outputs.
  const raw = await ort.InferenceSession.create(m.bytes, opts);
  const fetch = raw.outputNames.filter((o) => raw.outputMetadata.find((x) => x.name === o)?.isTensor);
  for (const rows of [1, 10_000]) {
    const x = matrix(rows, m.width);
    const flat = Float32Array.from(x.flat());
    const [base, typed, nested] = await compare([
      () => raw.run({ X: new ort.Tensor('float32', flat, [rows, m.width]) }, fetch),
      () => session.runFeeds({ X: { data: flat, dims: [rows, m.width] } }),
      () => session.runFeeds({ X: x }),
    ]);
    console.log(
      `  ${name.padEnd(26)} ${String(rows).padStart(6)} rows: bare ${fmt(base!.ms).padStart(9)}` +
        ` | {data,dims} ${fmt(typed!.ms).padStart(9)} (${typed!.ratio.toFixed(2)}×)` +
        ` | nested arrays ${fmt(nested!.ms).padStart(9)} (${nested!.ratio.toFixed(2)}×)`,
    );
  }
}

// Loading: the signature from onnxruntime's metadata, or from decoding the graph (a library without metadata).
const forest = forestToOnnx(randomForest(1, 100, 8));
const bare = {
  ...ort,
  InferenceSession: {
    async create(src: Uint8Array, o: ort.InferenceSession.SessionOptions) {
      const s = await ort.InferenceSession.create(src, o);
      return { inputNames: s.inputNames, outputNames: s.outputNames, run: s.run.bind(s) };
    },
  },
} as unknown as Ort;
const [meta, decoded] = await compare([() => loadSession(forest), () => loadSession(forest, { onnxruntime: bare })], 5, 300);
console.log(`Session.load, 100-tree depth-8 forest (${(forest.length / 1e6).toFixed(1)} MB): metadata ${fmt(meta!.ms)}, decoding the graph ${fmt(decoded!.ms)} (${decoded!.ratio.toFixed(2)}×)`);
