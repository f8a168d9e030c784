/**
 * The original training pipeline in one call: read the CSV, apply the wrangling rules, split 60/20/20,
 * grid-search the forest with k-fold CV, refit on the best, measure on the validation split, and
 * describe the result (reference statistics, importances, charts). No disk writes: the caller stores it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BentoError } from '../errors.js';
import { featureImportanceChart, residualsChart } from './charts.js';
import { parseCsv } from './csv.js';
import { predict, type Forest } from '../forest/forest.js';
import type { ForestParams } from '../forest/trainer.js';
import { gridSearch, type CvResult, type Grid } from './grid-search.js';
import { regressionMetrics, type RegressionMetrics } from './metrics.js';
import { loadParams } from './params.js';
import { referenceStats, type FeatureStats } from './reference.js';
import { FEATURES, TARGET } from './schema.js';
import { takeRows, trainValidationTestSplit } from './split.js';
import { wrangle, type Fill, type WrangledData } from './wrangle.js';

export interface TrainingOptions {
  /** A CSV file of the activities schema. */
  dataPath: string;
  /** The parameters file (conf/base/parameters.yml). */
  paramsPath: string;
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
  /** What the serving side fills a missing heart rate with (the training data's mean). */
  fill: Fill;
  /** Statistics of each feature over the training split. */
  reference: Record<string, FeatureStats>;
  /** Impurity-based importance per feature (sums to 1). */
  importances: Record<string, number>;
  charts: { 'feature_importance.svg': string; 'residuals.svg': string };
  /** The validation split, for parity tests: float32 inputs (row-major, rows × features), targets, predictions. */
  validation: { inputs: Float32Array; rows: number; targets: Float64Array; predictions: Float64Array };
}

/** The CSV's digest and its wrangled rows. Throws FILE_NOT_FOUND or BAD_DATA. */
export async function readTrainingData(dataPath: string): Promise<{ digest: string; data: WrangledData }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(dataPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw new BentoError('FILE_NOT_FOUND', `data file not found: ${dataPath}`, [{ path: dataPath, message: 'not found' }]);
    throw err;
  }
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { digest, data: wrangle(parseCsv(bytes.toString('utf8'), dataPath), dataPath) };
}

/**
 * Trains the activities model as the original pipeline did.
 *
 * @example
 *   const result = await runTraining({ dataPath: 'data/01_raw/DATA.csv', paramsPath: 'conf/base/parameters.yml' });
 *   result.metrics.mean_absolute_error;
 */
export async function runTraining(opts: TrainingOptions): Promise<TrainingResult> {
  const params = await loadParams(opts.paramsPath);
  const { digest, data } = await readTrainingData(opts.dataPath);
  const { split, cv } = params;
  const minRows = Math.ceil(cv.folds / ((1 - split.test_size) * (1 - split.val_size))) + 2;
  if (data.rows < minRows) {
    throw new BentoError('BAD_DATA', `${opts.dataPath}: ${data.rows} usable rows; at least ${minRows} are needed for the split and ${cv.folds}-fold cross-validation`, [
      { path: opts.dataPath, message: 'too few rows' },
    ]);
  }
  const parts = trainValidationTestSplit(data.rows, split.test_size, split.val_size, split.random_state);
  const nf = FEATURES.length;
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
  const features = [...FEATURES];
  const importances = Object.fromEntries(features.map((f, j) => [f, search.refit.importances[j]!]));

  return {
    forest,
    features,
    target: TARGET,
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
    fill: data.fill,
    reference: referenceStats(train.x, parts.train.length, features),
    importances,
    charts: {
      'feature_importance.svg': featureImportanceChart(features, search.refit.importances, 'Feature importance — activities model'),
      'residuals.svg': residualsChart(val.y, predictions, `Residuals on the validation split (MAE ${metrics.mean_absolute_error.toFixed(2)})`),
    },
    validation: { inputs, rows: parts.validation.length, targets: val.y, predictions },
  };
}
