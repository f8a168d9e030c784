/**
 * The training pipeline in one call: read the CSV, apply the data set's cleaning rules, split
 * train/validation/test, grid-search the forest with k-fold CV, refit on the best, measure on the
 * validation split, and describe the result (reference statistics, importances, charts, the
 * preprocessing serving must repeat). No disk writes: the caller stores it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BentoError } from '../errors.js';
import { trainingCharts } from './charts.js';
import { parseCsv, type CsvTable } from './csv.js';
import { predict, type Forest } from '../forest/forest.js';
import type { ForestParams } from '../forest/trainer.js';
import { gridSearch, type CvResult, type Grid } from './grid-search.js';
import { regressionMetrics, type RegressionMetrics } from './metrics.js';
import type { ModelPreprocessing } from '../models/model-info.js';
import { DEFAULT_TRAINING_PARAMS, loadParams, type TrainingParams } from './params.js';
import { predictionReference, referenceStats, type FeatureStats, type PredictionReference } from './reference.js';
import { takeRows, trainValidationTestSplit } from './split.js';
import { wrangle, type DatasetSpec, type WrangledData } from './wrangle.js';

/** A data set's description, or how to make one from the parsed file (when flags describe it). */
export type DatasetSource = DatasetSpec | ((table: CsvTable, file: string) => DatasetSpec);

export interface TrainingOptions {
  /** The CSV file. */
  dataPath: string;
  /** Its columns, target, features and cleaning rules (a catalog, see catalog.ts), or a function of the file. */
  dataset: DatasetSource;
  /** The parameters file (conf/base/parameters.yml); without it, `params`, else DEFAULT_TRAINING_PARAMS. */
  paramsPath?: string;
  params?: TrainingParams;
  /** The model's name, for the charts' titles; default "model". */
  name?: string;
  /** The version the model will be stored under, for the charts' titles (name:version). */
  version?: string;
  /** Called after each fit of the grid search (and the refit): done of total. */
  onProgress?: (done: number, total: number) => void;
}

export interface TrainingResult {
  forest: Forest;
  /** Feature names in the order the forest (and the ONNX input) takes them. */
  features: string[];
  target: string;
  /** The chosen parameters: the best grid candidate on top of the fixed model parameters. */
  params: ForestParams;
  search: { grid: Grid; folds: number; scoring: 'neg_mean_absolute_error'; bestIndex: number };
  /** One entry per grid candidate, in grid order. */
  cvResults: CvResult[];
  /** Metrics of the refitted forest on the validation split. */
  metrics: RegressionMetrics;
  data: {
    /** `sha256:<hex>` of the CSV file's bytes. */
    digest: string;
    /** Rows used after wrangling (train + validation + test). */
    rows: number;
    trainRows: number;
    validationRows: number;
    testRows: number;
    /** Data rows in the file, and those dropped for a missing value. */
    sourceRows: number;
    droppedRows: number;
  };
  /** The rules and what they learned, stored with the model so serving repeats them. */
  preprocessing: ModelPreprocessing;
  /** Statistics of each feature over the training split, with the sample drift monitoring compares traffic with. */
  reference: Record<string, FeatureStats>;
  /** The predictions on the validation split and each feature's correlation with them, for prediction drift. */
  predictionReference: PredictionReference;
  /** Impurity-based importance per feature (sums to 1). */
  importances: Record<string, number>;
  charts: { 'feature_importance.svg': string; 'residuals.svg': string };
  /** The validation split, for parity tests: float32 inputs (row-major, rows × features), targets, predictions. */
  validation: { inputs: Float32Array; rows: number; targets: Float64Array; predictions: Float64Array };
}

/** The CSV's digest, its data set and its wrangled rows. Throws FILE_NOT_FOUND, BAD_DATA or BAD_ARGUMENT. */
export async function readTrainingData(dataPath: string, dataset: DatasetSource): Promise<{ digest: string; spec: DatasetSpec; data: WrangledData }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(dataPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw new BentoError('FILE_NOT_FOUND', `data file not found: ${dataPath}`, [{ path: dataPath, message: 'not found' }]);
    throw err;
  }
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const table = parseCsv(bytes.toString('utf8'), dataPath);
  const spec = typeof dataset === 'function' ? dataset(table, dataPath) : dataset;
  return { digest, spec, data: wrangle(table, dataPath, spec) };
}

/**
 * Trains a forest on a data set as the original scikit-learn pipeline did.
 *
 * @example
 *   const catalog = await loadCatalog('conf/base/catalog.yml');
 *   const result = await runTraining({ dataPath: catalog.data, dataset: catalog, paramsPath: 'conf/base/parameters.yml' });
 *   result.metrics.mean_absolute_error;
 */
export async function runTraining(opts: TrainingOptions): Promise<TrainingResult> {
  const params = opts.paramsPath !== undefined ? await loadParams(opts.paramsPath) : (opts.params ?? DEFAULT_TRAINING_PARAMS);
  const { digest, spec, data } = await readTrainingData(opts.dataPath, opts.dataset);
  const { split, cv } = params;
  const minRows = Math.ceil(cv.folds / ((1 - split.test_size) * (1 - split.val_size))) + 2;
  if (data.rows < minRows) {
    throw new BentoError('BAD_DATA', `${opts.dataPath}: ${data.rows} usable rows; at least ${minRows} are needed for the split and ${cv.folds}-fold cross-validation`, [
      { path: opts.dataPath, message: 'too few rows' },
    ]);
  }
  const parts = trainValidationTestSplit(data.rows, split.test_size, split.val_size, split.random_state);
  const nf = spec.features.length;
  const train = takeRows(data.x, data.y, nf, parts.train);
  const val = takeRows(data.x, data.y, nf, parts.validation);

  const search = gridSearch({
    x: train.x,
    y: train.y,
    rows: parts.train.length,
    nFeatures: nf,
    base: params.model,
    grid: params.grid,
    folds: cv.folds,
    onProgress: opts.onProgress,
  });
  const forest = search.refit.forest;
  const inputs = Float32Array.from(val.x);
  const predictions = predict(forest, inputs, parts.validation.length);
  const metrics = regressionMetrics(val.y, predictions);
  const features = [...spec.features];
  const importances = Object.fromEntries(features.map((f, j) => [f, search.refit.importances[j]!]));

  return {
    forest,
    features,
    target: spec.target,
    params: search.best,
    search: { grid: params.grid, folds: cv.folds, scoring: cv.scoring, bestIndex: search.bestIndex },
    cvResults: search.results,
    metrics,
    data: {
      digest,
      rows: data.rows,
      trainRows: parts.train.length,
      validationRows: parts.validation.length,
      testRows: parts.test.length,
      sourceRows: data.sourceRows,
      droppedRows: data.dropped,
    },
    preprocessing: { features: [...features], target: spec.target, rules: spec.rules, fill: { ...data.fill } },
    reference: referenceStats(train.x, parts.train.length, features),
    predictionReference: predictionReference(inputs, parts.validation.length, features, predictions),
    importances,
    charts: trainingCharts(
      { name: opts.name ?? 'model', ...(opts.version ? { version: opts.version } : {}) },
      { features, importances: search.refit.importances, actual: val.y, predicted: predictions, mae: metrics.mean_absolute_error },
    ),
    validation: { inputs, rows: parts.validation.length, targets: val.y, predictions },
  };
}
