/**
 * `bento train` / `npm run train`: run the training pipeline, export the forest to ONNX, check that
 * onnxruntime answers what the trainer predicts on every validation row, then store the model.
 */
import path from 'node:path';
import { BentoError } from '../errors.js';
import { forestToOnnx } from '../onnx/write.js';
import { loadSession, runForest } from '../onnx/session.js';
import { saveModel } from '../models/model-store.js';
import type { ModelInfo } from '../models/model-info.js';
import { runTraining, type TrainingResult } from './pipeline.js';

export const DEFAULT_MODEL_NAME = 'activities_regressor';
export const DEFAULT_DATA = 'data/01_raw/DATA.csv';
export const DEFAULT_PARAMS = 'conf/base/parameters.yml';

export interface TrainAndSaveOptions {
  /** CSV of the activities schema; default `data/01_raw/DATA.csv` under `project`. */
  dataPath?: string;
  /** Parameters file; default `conf/base/parameters.yml` under `project`. */
  paramsPath?: string;
  /** Model name in the store; default `activities_regressor`. */
  name?: string;
  /** Folder the defaults are relative to; default the working directory. */
  project?: string;
  labels?: Record<string, string>;
  onProgress?: (done: number, total: number) => void;
}

/** Largest relative difference allowed between onnxruntime and the trainer. */
const PARITY = 1e-4;

async function checkOnnxParity(onnx: Uint8Array, result: TrainingResult): Promise<void> {
  const { inputs, rows, predictions } = result.validation;
  const session = await loadSession(onnx);
  const out = await runForest(session, 'input', inputs, rows, result.features.length);
  for (let i = 0; i < rows; i++) {
    const want = predictions[i]!;
    const rel = Math.abs(out[i]! - want) / Math.max(Math.abs(want), 1e-6);
    if (rel > PARITY) {
      throw new BentoError('INTERNAL', `ONNX export disagrees with the trainer on validation row ${i}: ${out[i]} vs ${want}`);
    }
  }
}

export async function trainAndSave(opts: TrainAndSaveOptions = {}): Promise<{ info: ModelInfo; result: TrainingResult }> {
  const project = opts.project ?? process.cwd();
  const dataPath = path.resolve(project, opts.dataPath ?? DEFAULT_DATA);
  const paramsPath = path.resolve(project, opts.paramsPath ?? DEFAULT_PARAMS);
  const result = await runTraining({ dataPath, paramsPath, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  const onnx = forestToOnnx(result.forest, { featureNames: result.features, docString: 'activities quality random forest' });
  await checkOnnxParity(onnx, result);
  const n = result.features.length;
  const info = await saveModel({
    name: opts.name ?? DEFAULT_MODEL_NAME,
    onnx,
    info: {
      source: 'trainer',
      signature: {
        inputs: [{ name: 'input', shape: ['N', n], dtype: 'float32' }],
        outputs: [{ name: 'variable', shape: ['N', 1], dtype: 'float32' }],
      },
      features: result.features,
      metrics: { ...result.metrics },
      params: { ...result.params, cv_results: result.cvResults, search: result.search, importances: result.importances },
      fill: { ...result.fill },
      training_data: {
        digest: result.data.digest,
        rows: result.data.rows,
        train_rows: result.data.trainRows,
        validation_rows: result.data.validationRows,
        test_rows: result.data.testRows,
      },
      reference: result.reference,
      labels: { ...opts.labels, data: path.basename(dataPath) },
    },
    extraFiles: result.charts,
  });
  return { info, result };
}
