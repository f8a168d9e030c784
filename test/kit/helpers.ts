/** Shared set-up for the store tests: a saved tiny model and error assertions (models: kit/model.ts; the CLI runner: kit/cli.ts). */
import type { Test } from 'tap';
import { BentoError } from '../../src/errors.js';
import type { ModelInfo } from '../../src/models/model-info.js';
import { saveTestModel, tinyForest } from './model.js';

/** Saves a small trained-looking model over features a, b with a chart, as the trainer would. */
export async function saveTiny(name = 'tiny', extra: Partial<ModelInfo> = {}): Promise<ModelInfo> {
  return saveTestModel({
    name,
    forest: tinyForest(),
    features: ['a', 'b'],
    info: {
      metrics: { accuracy: 64.5, mean_absolute_error: 53.2 },
      params: { max_depth: 3, random_state: 42 },
      training_data: { digest: 'sha256:abc', rows: 10 },
      reference: {
        a: { mean: 1, std: 0.5, min: 0, max: 2, quantiles: { '0.5': 1 }, histogram: { edges: [0, 1, 2], counts: [4, 6] } },
      },
      ...extra,
    },
    extraFiles: { 'charts/importance.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n' },
  });
}

export { tinyForest };

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
