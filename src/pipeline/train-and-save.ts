/**
 * `bento train` / `npm run train`: resolve what to train (the project's catalog, or a CSV described by
 * flags), run the training pipeline, export the forest to ONNX, check that onnxruntime answers what the
 * trainer predicts on every validation row, then store the model with its preprocessing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../errors.js';
import { forestToOnnx } from '../onnx/write.js';
import { loadSession, runForest } from '../onnx/session.js';
import { saveModel } from '../models/model-store.js';
import type { ModelInfo } from '../models/model-info.js';
import { ROWS_INPUT, rowsSignature } from '../models/signature.js';
import { formatTag, newVersion } from '../store/tag.js';
import { predict } from '../forest/forest.js';
import { loadCatalog } from './catalog.js';
import { inferDataset, modelNameFromFile } from './infer.js';
import { regressionMetrics, type RegressionMetrics } from './metrics.js';
import { DEFAULT_TRAINING_PARAMS, loadParams } from './params.js';
import { readTrainingData, runTraining, type DatasetSource, type TrainingResult } from './pipeline.js';
import { codeVersion, saveRun, type GateVerdict, type RunInfo } from './runs.js';
import { takeRows, trainValidationTestSplit, type ThreeWaySplit } from './split.js';
import type { WrangledData } from './wrangle.js';

/** The conf folder, relative to the project. */
export const DEFAULT_CONF = 'conf/base';
/** The data catalog and the training parameters, inside the conf folder. */
export const CATALOG_FILE = 'catalog.yml';
export const PARAMS_FILE = 'parameters.yml';

export interface TrainAndSaveOptions {
  /** Folder the conf folder and the catalog's data path are relative to; default the working directory. */
  project?: string;
  /** The conf folder holding `catalog.yml` and `parameters.yml`; default `conf/base` under `project`. */
  conf?: string;
  /** The CSV; default the catalog's `data`. With `target`, any numeric CSV (the catalog is not read). */
  dataPath?: string;
  /** Train on `dataPath` described by these flags instead of the catalog: the column to predict… */
  target?: string;
  /** …and the model inputs in order (default every other numeric column). Needs `target`. */
  features?: string[];
  /** Parameters file; default `parameters.yml` in the conf folder, else (with `target`) built-in defaults. */
  paramsPath?: string;
  /** Model name in the store; default the catalog's `model`, or (with `target`) the data file's base name. */
  name?: string;
  labels?: Record<string, string>;
  /** The stored dataset version `dataPath` holds (`name:version`), recorded in the run. */
  datasetVersion?: string;
  onProgress?: (done: number, total: number) => void;
}

/** What `trainAndSave` trains, resolved from its options (no training yet). */
export interface TrainingPlan {
  name: string;
  dataPath: string;
  dataset: DatasetSource;
  /** Undefined: the built-in parameters. */
  paramsPath?: string;
}

/**
 * Resolves the options: the catalog (FILE_NOT_FOUND / BAD_CONFIG) unless `target` is given, the data
 * file, the parameters file and the model name. Flag mistakes are BAD_ARGUMENT.
 */
export async function planTraining(opts: TrainAndSaveOptions = {}): Promise<TrainingPlan> {
  const project = opts.project ?? process.cwd();
  const conf = path.resolve(project, opts.conf ?? DEFAULT_CONF);
  if (opts.conf !== undefined && !existsSync(conf)) throw new BentoError('FILE_NOT_FOUND', `conf folder not found: ${conf}`, [{ path: conf, message: 'not found' }]);
  const confParams = path.join(conf, PARAMS_FILE);
  const paramsPath = opts.paramsPath !== undefined ? path.resolve(project, opts.paramsPath) : existsSync(confParams) ? confParams : undefined;

  if (opts.target !== undefined) {
    if (opts.dataPath === undefined) throw new BentoError('BAD_ARGUMENT', '--target needs --data FILE (the CSV to train on)');
    const dataPath = path.resolve(project, opts.dataPath);
    const target = opts.target;
    const features = opts.features;
    return {
      name: opts.name ?? modelNameFromFile(dataPath),
      dataPath,
      dataset: (table, file) => inferDataset(table, file, { target, ...(features ? { features } : {}) }),
      ...(paramsPath ? { paramsPath } : {}),
    };
  }
  if (opts.features !== undefined) throw new BentoError('BAD_ARGUMENT', '--features needs --target COLUMN (without them, the catalog says what to learn)');
  const catalog = await loadCatalog(path.join(conf, CATALOG_FILE));
  return {
    name: opts.name ?? catalog.model,
    dataPath: path.resolve(project, opts.dataPath ?? catalog.data),
    dataset: catalog,
    ...(paramsPath ? { paramsPath } : {}),
  };
}

/** Largest relative difference allowed between onnxruntime and the trainer. */
const PARITY = 1e-4;

async function checkOnnxParity(onnx: Uint8Array, result: TrainingResult): Promise<void> {
  const { inputs, rows, predictions } = result.validation;
  const session = await loadSession(onnx);
  const out = await runForest(session, ROWS_INPUT, inputs, rows, result.features.length);
  for (let i = 0; i < rows; i++) {
    const want = predictions[i]!;
    const rel = Math.abs(out[i]! - want) / Math.max(Math.abs(want), 1e-6);
    if (rel > PARITY) {
      throw new BentoError('INTERNAL', `ONNX export disagrees with the trainer on validation row ${i}: ${out[i]} vs ${want}`);
    }
  }
}

/**
 * The data a training read, split again as it was (same parameters), with the digest checked: what the
 * held-out metrics and the promotion gate's validation rows come from.
 */
export async function splitAgain(plan: TrainingPlan, result: TrainingResult): Promise<{ data: WrangledData; parts: ThreeWaySplit }> {
  const { split } = plan.paramsPath !== undefined ? await loadParams(plan.paramsPath) : DEFAULT_TRAINING_PARAMS;
  const { digest, data } = await readTrainingData(plan.dataPath, plan.dataset);
  if (digest !== result.data.digest) throw new BentoError('BAD_DATA', `${plan.dataPath} changed while training (digest ${digest}, trained on ${result.data.digest})`);
  return { data, parts: trainValidationTestSplit(data.rows, split.test_size, split.val_size, split.random_state) };
}

/** The metrics of the trained forest on the test split, which training holds out and never looks at. */
async function testMetrics(plan: TrainingPlan, result: TrainingResult): Promise<RegressionMetrics> {
  const { data, parts } = await splitAgain(plan, result);
  const test = takeRows(data.x, data.y, result.features.length, parts.test);
  return regressionMetrics(test.y, predict(result.forest, Float32Array.from(test.x), parts.test.length));
}

/** A trained, checked model not stored yet: what the promotion gate looks at before anything is kept. */
export interface TrainedCandidate {
  plan: TrainingPlan;
  result: TrainingResult;
  /** The forest as ONNX, checked against the trainer on every validation row. */
  onnx: Uint8Array;
  test: RegressionMetrics;
  /** The run's id and start. */
  runId: string;
  /** The version the model is stored under when kept (chosen up front: its charts are titled with it). */
  modelVersion: string;
  started: Date;
  datasetVersion?: string;
  /** Where the code version is read (the project folder). */
  project: string;
  labels: Record<string, string>;
}

/** Trains and checks a model (training, ONNX export and parity, test metrics); writes nothing. */
export async function trainCandidate(opts: TrainAndSaveOptions = {}): Promise<TrainedCandidate> {
  const started = new Date();
  const runId = newVersion();
  const modelVersion = newVersion();
  const plan = await planTraining(opts);
  const result = await runTraining({
    dataPath: plan.dataPath,
    dataset: plan.dataset,
    name: plan.name,
    version: modelVersion,
    ...(plan.paramsPath ? { paramsPath: plan.paramsPath } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const onnx = forestToOnnx(result.forest, { featureNames: result.features, docString: `${plan.name}: random forest predicting ${result.target}` });
  await checkOnnxParity(onnx, result);
  return {
    plan,
    result,
    onnx,
    test: await testMetrics(plan, result),
    runId,
    modelVersion,
    started,
    project: opts.project ?? process.cwd(),
    labels: { ...opts.labels },
    ...(opts.datasetVersion ? { datasetVersion: opts.datasetVersion } : {}),
  };
}

/**
 * Records a candidate: its model in the model store (unless `keepModel` is false, as when the promotion
 * gate refused it), then its run. Returns both.
 */
export async function recordCandidate(c: TrainedCandidate, opts: { keepModel?: boolean; gate?: GateVerdict } = {}): Promise<{ info?: ModelInfo; run: RunInfo }> {
  const { plan, result } = c;
  const runTag = formatTag(plan.name, c.runId);
  const info =
    opts.keepModel === false
      ? undefined
      : await saveModel({
          name: plan.name,
          version: c.modelVersion,
          onnx: c.onnx,
          info: {
            source: 'trainer',
            signature: rowsSignature(result.features.length),
            features: result.features,
            metrics: { ...result.metrics },
            params: { ...result.params, cv_results: result.cvResults, search: result.search, importances: result.importances },
            preprocessing: result.preprocessing,
            training_data: {
              digest: result.data.digest,
              rows: result.data.rows,
              train_rows: result.data.trainRows,
              validation_rows: result.data.validationRows,
              test_rows: result.data.testRows,
            },
            run: runTag,
            reference: result.reference,
            prediction_reference: result.predictionReference,
            labels: { ...c.labels, data: path.basename(plan.dataPath) },
          },
          extraFiles: result.charts,
        });
  const code = await codeVersion(c.project);
  const run: RunInfo = {
    name: plan.name,
    version: c.runId,
    creation_time: c.started.toISOString(),
    duration_s: (Date.now() - c.started.getTime()) / 1000,
    ...(info ? { model: formatTag(info.name, info.version) } : {}),
    params: { ...result.params },
    search: { grid: result.search.grid, folds: result.search.folds, scoring: result.search.scoring, best_index: result.search.bestIndex },
    cv_results: result.cvResults,
    metrics: { validation: { ...result.metrics }, test: c.test },
    data: {
      ...(c.datasetVersion ? { dataset: c.datasetVersion } : {}),
      file: plan.dataPath,
      digest: result.data.digest,
      rows: result.data.rows,
      train_rows: result.data.trainRows,
      validation_rows: result.data.validationRows,
      test_rows: result.data.testRows,
      source_rows: result.data.sourceRows,
      dropped_rows: result.data.droppedRows,
    },
    ...(code ? { code } : {}),
    ...(opts.gate ? { gate: opts.gate } : {}),
    charts: [],
    labels: { ...c.labels },
  };
  const stored = await saveRun(run, result.charts);
  return { ...(info ? { info } : {}), run: stored.info };
}

/**
 * Trains and stores a model, and records the run (see runs.ts).
 *
 * @example
 *   await trainAndSave();                                                      // the project's conf/base
 *   await trainAndSave({ dataPath: 'houses.csv', target: 'price', name: 'houses' }); // any numeric CSV
 */
export async function trainAndSave(opts: TrainAndSaveOptions = {}): Promise<{ info: ModelInfo; result: TrainingResult; run: RunInfo }> {
  const candidate = await trainCandidate(opts);
  const { info, run } = await recordCandidate(candidate);
  return { info: info!, result: candidate.result, run };
}
