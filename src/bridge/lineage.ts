/**
 * Lineage: bento → model → run → dataset version (and the code version), from what each store recorded:
 * bento.yaml pins its models, model.yaml names its run, the run names its dataset version and commit.
 * A link that cannot be followed is said in `missing`, never guessed; a model trained before runs existed
 * is matched to a dataset version by its training data's digest (versions are content-addressed).
 */
import path from 'node:path';
import { getBento } from '../bento/bento-store.js';
import { isBentoError } from '../errors.js';
import { getModel } from '../models/model-store.js';
import type { RegressionMetrics } from '../pipeline/metrics.js';
import { getRun, type CodeVersion, type GateVerdict } from '../pipeline/runs.js';
import { formatTag, splitExactTag } from '../store/tag.js';
import type { ModelInfo } from '../models/model-info.js';
import { readModelInfo } from '../models/model-yaml.js';
import { getDataset, listDatasets } from '../datasets/dataset-store.js';

export interface ModelLineage {
  /** The alias the bento's service uses for it, when reached from a bento. */
  alias?: string;
  tag: string;
  creation_time: string;
  metrics: Record<string, number>;
  run?: { tag: string; creation_time: string; duration_s: number; params: Record<string, unknown>; metrics: { validation: RegressionMetrics; test: RegressionMetrics }; gate?: GateVerdict };
  dataset?: { tag: string; digest: string; rows: number; source: string; parent?: string };
  code?: CodeVersion;
  /** Links that could not be followed, said plainly. */
  missing: string[];
}

export interface Lineage {
  bento?: { tag: string; creation_time: string };
  models: ModelLineage[];
}

const notFound = (err: unknown): boolean => isBentoError(err) && err.code === 'TAG_NOT_FOUND';

/** A model's info from the store, else (reached from a bento) from the bento's own copy of it. */
async function modelInfoOf(tag: string, bentoDir?: string): Promise<ModelInfo> {
  try {
    return (await getModel(tag)).info;
  } catch (err) {
    if (!notFound(err) || bentoDir === undefined) throw err;
    const { name, version } = splitExactTag(tag);
    return readModelInfo(path.join(bentoDir, 'models', name, version));
  }
}

async function modelLineage(tag: string, alias?: string, bentoDir?: string): Promise<ModelLineage> {
  const info = await modelInfoOf(tag, bentoDir);
  const out: ModelLineage = { ...(alias ? { alias } : {}), tag: formatTag(info.name, info.version), creation_time: info.creation_time, metrics: info.metrics, missing: [] };
  let datasetTag: string | undefined;
  if (info.run === undefined) out.missing.push('run: the model records none (imported, or trained before runs were recorded)');
  else {
    try {
      const run = (await getRun(info.run)).info;
      out.run = { tag: info.run, creation_time: run.creation_time, duration_s: run.duration_s, params: run.params, metrics: run.metrics, ...(run.gate ? { gate: run.gate } : {}) };
      if (run.code) out.code = run.code;
      else out.missing.push('code: the run was not trained in a git checkout');
      datasetTag = run.data.dataset;
    } catch (err) {
      if (!notFound(err)) throw err;
      out.missing.push(`run: ${info.run} is not in the run store`);
    }
  }
  const digest = info.training_data?.digest;
  if (datasetTag === undefined && digest !== undefined) {
    // versions are content-addressed: the same bytes are the version whose digest this is
    const match = (await listDatasets()).find((d) => d.info.digest === digest);
    if (match) datasetTag = formatTag(match.info.name, match.info.version);
  }
  if (datasetTag === undefined) out.missing.push('dataset: no stored version holds the training data');
  else {
    try {
      const d = (await getDataset(datasetTag)).info;
      out.dataset = { tag: formatTag(d.name, d.version), digest: d.digest, rows: d.rows, source: d.source, ...(d.parent ? { parent: d.parent } : {}) };
    } catch (err) {
      if (!notFound(err)) throw err;
      out.missing.push(`dataset: ${datasetTag} is not in the dataset store`);
    }
  }
  return out;
}

/**
 * The lineage of a bento tag (each model it pins), else of a model tag.
 *
 * @example
 *   const l = await lineage('houses_model:latest');
 *   l.models[0].dataset?.tag // 'data:ec7dfae1a153609a'
 */
export async function lineage(tag: string): Promise<Lineage> {
  try {
    const { info, dir } = await getBento(tag);
    const models = await Promise.all(info.models.map((m) => modelLineage(m.tag, m.alias, dir)));
    return { bento: { tag: formatTag(info.name, info.version), creation_time: info.creation_time }, models };
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  return { models: [await modelLineage(tag)] };
}
