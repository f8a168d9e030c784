/**
 * A tiny hand-made model for tests that need one in the store (set BENTO_HOME first): two trees over the
 * activities features, written to ONNX and saved with `saveModel`, like a trained model but in
 * milliseconds and with predictions you can work out by hand. It stores the project's preprocessing (the
 * catalog's rules, with FILL_HEART_RATE as the learned mean), as a trained model does.
 *
 *   tree 1: Distance (km) <= 10 ? 2 : 4
 *   tree 2: Average Heart rate (tpm) <= 120 ? 1 : 3          prediction = mean of the two (+ offset)
 */
import { activitiesPreprocessing, FEATURES, HEART_RATE } from './model.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import type { ModelInfo } from '../../src/models/model-info.js';
import { saveModel } from '../../src/models/model-store.js';
import type { Forest, Tree } from '../../src/forest/forest.js';

export { FEATURES };

/** The heart rate a missing value is filled with (as a trained model's `fill`). */
export const FILL_HEART_RATE = 100;

function stump(feature: number, threshold: number, low: number, high: number): Tree {
  return {
    feature: Int32Array.from([feature, -1, -1]),
    threshold: Float64Array.from([threshold, 0, 0]),
    left: Int32Array.from([1, -1, -1]),
    right: Int32Array.from([2, -1, -1]),
    value: Float64Array.from([0, low, high]),
  };
}

/** The forest; `offset` shifts every leaf, to make a different model with the same shape. */
export function testForest(offset = 0): Forest {
  return { nFeatures: FEATURES.length, trees: [stump(0, 10, 2 + offset, 4 + offset), stump(4, 120, 1 + offset, 3 + offset)] };
}

/** What the model predicts for one (already preprocessed) row of the five features. */
export function expectedPrediction(row: number[], offset = 0): number {
  const a = row[0]! <= 10 ? 2 : 4;
  const b = row[4]! <= 120 ? 1 : 3;
  return (a + b) / 2 + offset;
}

/**
 * Saves the test model into the model store under the current BENTO_HOME.
 *
 * @example
 *   process.env.BENTO_HOME = await fs.mkdtemp(path.join(os.tmpdir(), 'bento-'));
 *   const info = await makeModel(); // activities_regressor:<version>
 */
export async function makeModel(opts: { name?: string; offset?: number } = {}): Promise<ModelInfo> {
  const features = [...FEATURES];
  const onnx = forestToOnnx(testForest(opts.offset ?? 0), { featureNames: features });
  return saveModel({
    name: opts.name ?? 'activities_regressor',
    onnx,
    info: {
      source: 'trainer',
      signature: {
        inputs: [{ name: 'input', shape: ['N', features.length], dtype: 'float32' }],
        outputs: [{ name: 'variable', shape: ['N', 1], dtype: 'float32' }],
      },
      features,
      metrics: {},
      params: { n_estimators: 2, max_depth: 1 },
      fill: { [HEART_RATE]: FILL_HEART_RATE },
      preprocessing: activitiesPreprocessing(FILL_HEART_RATE),
      labels: { made_by: 'test/kit/make-model.ts' },
    },
  });
}
