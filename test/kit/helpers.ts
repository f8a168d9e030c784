/** Shared set-up for the store tests: a tiny real ONNX forest, a saved model and error assertions (the CLI runner is kit/cli.ts). */
import type { Test } from 'tap';
import { BentoError } from '../../src/errors.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import type { ModelInfo } from '../../src/models/model-info.js';
import { saveModel } from '../../src/models/model-store.js';
import { rowsSignature } from '../../src/models/signature.js';
import type { Forest } from '../../src/forest/forest.js';

/** A 2-feature forest: one tree splitting on feature 0 at 0.5 (left 1, right 2). */
export function tinyForest(nFeatures = 2): Forest {
  return {
    nFeatures,
    trees: [
      {
        feature: Int32Array.from([0, -1, -1]),
        threshold: Float64Array.from([0.5, 0, 0]),
        left: Int32Array.from([1, -1, -1]),
        right: Int32Array.from([2, -1, -1]),
        value: Float64Array.from([1.5, 1, 2]),
      },
    ],
  };
}

/** Saves a small trained-looking model with a chart, as the trainer would. */
export async function saveTiny(name = 'tiny', extra: Partial<ModelInfo> = {}): Promise<ModelInfo> {
  const features = ['a', 'b'];
  return saveModel({
    name,
    onnx: forestToOnnx(tinyForest(), { featureNames: features }),
    info: {
      source: 'trainer',
      signature: rowsSignature(features.length),
      features,
      metrics: { accuracy: 64.5, mean_absolute_error: 53.2 },
      params: { max_depth: 3, random_state: 42 },
      fill: { b: 120.5 },
      training_data: { digest: 'sha256:abc', rows: 10 },
      reference: {
        a: { mean: 1, std: 0.5, min: 0, max: 2, quantiles: { '0.5': 1 }, histogram: { edges: [0, 1, 2], counts: [4, 6] } },
      },
      labels: {},
      ...extra,
    },
    extraFiles: { 'charts/importance.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n' },
  });
}

/** Asserts that `p` (a promise or a function) fails with a BentoError of `code` whose message holds every part. */
export async function rejectsWith(t: Test, p: Promise<unknown> | (() => unknown), code: string, ...parts: Array<string | RegExp>): Promise<BentoError | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (!(err instanceof BentoError)) {
      t.fail(`expected BentoError ${code}, got ${String(err)}`);
      return undefined;
    }
    t.equal(err.code, code, `code ${code} (${err.message})`);
    for (const part of parts) t.match(err.message, part, `message names ${String(part)}`);
    return err;
  }
  t.fail(`expected BentoError ${code}, nothing was thrown`);
  return undefined;
}
