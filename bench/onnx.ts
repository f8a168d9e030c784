// Forest inference: onnxruntime-node (one intra-op thread) against forest.ts's predict() as the baseline,
// on a 100-tree depth-8 forest, for one row and for 10 000-row batches. Also times forestToOnnx.
// Run: node --import tsx bench/onnx.ts
import { performance } from 'node:perf_hooks';
import { predict, treeFromLists, type Forest, type Tree } from '../src/forest/forest.js';
import { forestToOnnx } from '../src/onnx/write.js';
import { loadSession, runForest } from '../src/onnx/session.js';

const F = 5;
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);

function tree(depth: number): Tree {
  const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [];
  const grow = (d: number): number => {
    const id = feature.length;
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1); value.push(rand() * 500);
    if (d < depth) {
      feature[id] = Math.floor(rand() * F);
      threshold[id] = Math.fround(rand() * 6 - 3);
      left[id] = grow(d + 1);
      right[id] = grow(d + 1);
    }
    return id;
  };
  grow(0);
  return treeFromLists({ feature, threshold, left, right, value });
}

async function time(fn: () => unknown | Promise<unknown>, minMs = 500): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    await fn();
    n++;
  }
  return (performance.now() - start) / n;
}

const forest: Forest = { nFeatures: F, trees: Array.from({ length: 100 }, () => tree(8)) };
const rows = 10_000;
const x = Float32Array.from({ length: rows * F }, () => Math.fround(rand() * 6 - 3));
const one = x.subarray(0, F);

const exportMs = await time(() => forestToOnnx(forest));
const bytes = forestToOnnx(forest);
const session = await loadSession(bytes, { intraOpNumThreads: 1 });

const jsBatch = await time(() => predict(forest, x, rows));
const ortBatch = await time(() => runForest(session, 'input', x, rows, F));
const jsOne = await time(() => predict(forest, one, 1));
const ortOne = await time(() => runForest(session, 'input', one, 1, F));

const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
console.log(`forest: 100 trees, depth 8, ${F} features; model.onnx ${(bytes.length / 1024).toFixed(0)} KiB, forestToOnnx ${exportMs.toFixed(1)} ms`);
console.log(`${rows}-row batch: predict() ${jsBatch.toFixed(2)} ms, onnxruntime ${ortBatch.toFixed(2)} ms ` +
  `(${(rows / ortBatch * 1000).toFixed(0)} rows/s) → onnxruntime/predict() time ratio ${(ortBatch / jsBatch).toFixed(2)}`);
console.log(`1 row: predict() ${us(jsOne)}, onnxruntime ${us(ortOne)} → ratio ${(ortOne / jsOne).toFixed(2)}`);
