/**
 * Training with data versions: train on a stored dataset version (`bento train --dataset NAME[:VERSION]`),
 * or on a file, which is then added as a version; either way the run records the version it used.
 */
import path from 'node:path';
import { BentoError } from '../errors.js';
import type { ModelInfo } from '../models/model-info.js';
import type { TrainingResult } from '../pipeline/pipeline.js';
import type { RunInfo } from '../pipeline/runs.js';
import { recordCandidate, trainCandidate, type TrainAndSaveOptions, type TrainedCandidate } from '../pipeline/train-and-save.js';
import { addDatasetFile, datasetFile, getDataset, type AddedDataset } from './dataset-store.js';
import { catalogSchema } from './schema.js';

export interface TrainOnDataOptions extends TrainAndSaveOptions {
  /** A stored dataset version to train on (`name`, `name:version`, a version prefix); excludes `dataPath`. */
  dataset?: string;
  /** When training on a file: the dataset name it is stored under (default the file's name). */
  datasetName?: string;
}

/** Resolves `dataset` to its stored file, when given. */
async function resolveData(opts: TrainOnDataOptions): Promise<TrainAndSaveOptions> {
  if (opts.dataset === undefined) return opts;
  if (opts.dataPath !== undefined) throw new BentoError('BAD_ARGUMENT', '--dataset and --data are exclusive: train on a stored version or on a file');
  const stored = await getDataset(opts.dataset);
  return { ...opts, dataPath: datasetFile(stored), datasetVersion: `${stored.info.name}:${stored.info.version}` };
}

/** Stores the file a candidate was trained on as a dataset version (the same bytes: the version already there). */
export async function addTrainingData(c: TrainedCandidate, name?: string): Promise<AddedDataset> {
  const spec = c.plan.dataset;
  const added = await addDatasetFile(c.plan.dataPath, {
    ...(name !== undefined ? { name } : {}),
    ...(typeof spec === 'function' ? {} : { schema: catalogSchema(spec) }),
  });
  if (added.info.digest !== c.result.data.digest) {
    throw new BentoError('BAD_DATA', `${path.basename(c.plan.dataPath)} changed while training (now ${added.info.digest}, trained on ${c.result.data.digest})`);
  }
  return added;
}

/**
 * Trains, stores the model and records the run with its dataset version.
 *
 * @example
 *   await trainOnData({ dataset: 'data:3f2a' });          // a stored version
 *   await trainOnData({ dataPath: 'new.csv' });           // the file becomes a version first
 */
export async function trainOnData(opts: TrainOnDataOptions = {}): Promise<{ info: ModelInfo; result: TrainingResult; run: RunInfo }> {
  const candidate = await trainCandidate(await resolveData(opts));
  if (candidate.datasetVersion === undefined) candidate.datasetVersion = (await addTrainingData(candidate, opts.datasetName)).tag;
  const { info, run } = await recordCandidate(candidate);
  return { info: info!, result: candidate.result, run };
}
