/**
 * Models side by side on the same rows: each record goes through each model's own stored preprocessing
 * (`recordPreprocessor`, as serving does), each model runs in onnxruntime, and the four regression metrics
 * are computed on the rows every model could take. `bento models compare` and the promotion gate use it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError, isBentoError } from '../errors.js';
import type { ModelInfo } from '../models/model-info.js';
import { getModel, type StoredModel } from '../models/model-store.js';
import { loadSession } from '../onnx/session.js';
import { parseCsv, type CsvTable } from '../pipeline/csv.js';
import { regressionMetrics, type RegressionMetrics } from '../pipeline/metrics.js';
import { recordPreprocessor } from '../pipeline/rules.js';
import { NA_STRINGS, notANumber } from '../pipeline/wrangle.js';
import { formatTag } from '../store/tag.js';
import { datasetFile, getDataset } from '../datasets/dataset-store.js';

export type Row = Record<string, unknown>;

/** CSV rows as records: a missing cell is null, a number cell a number, anything else its text. */
export function tableRecords(table: CsvTable, only?: readonly number[]): Row[] {
  return (only ?? table.rows.map((_, i) => i)).map((i) => {
    const cells = table.rows[i]!;
    const rec: Row = {};
    table.header.forEach((h, c) => {
      const raw = cells[c]!.trim();
      rec[h] = NA_STRINGS.has(raw) ? null : notANumber(raw) === undefined ? Number(raw) : raw;
    });
    return rec;
  });
}

export interface Evaluation {
  /** The rows every model could take (the others are counted in `skipped`). */
  rows: number;
  skipped: number;
  target: string;
  models: Array<{ tag: string; metrics: RegressionMetrics }>;
}

/** A model to evaluate: stored, or a candidate not stored yet (its ONNX bytes). */
export interface ModelUnderTest {
  tag: string;
  info: Pick<ModelInfo, 'features' | 'preprocessing'>;
  /** The ONNX file's path, or its bytes. */
  onnx: string | Uint8Array;
}

/** A stored model, to evaluate. */
export function storedModel(m: StoredModel): ModelUnderTest {
  return { tag: formatTag(m.info.name, m.info.version), info: m.info, onnx: path.join(m.dir, m.info.model_file) };
}

/** The column to score against: given, else the one every model was trained to predict. */
function targetOf(models: ReadonlyArray<ModelUnderTest['info']>, given?: string): string {
  if (given !== undefined) return given;
  const targets = new Set(models.map((m) => m.preprocessing?.target));
  const [only] = targets;
  if (targets.size !== 1 || only === undefined) {
    throw new BentoError('BAD_ARGUMENT', `the models do not name one target (${[...targets].map((t) => t ?? 'none').join(', ')}): give --target COLUMN`);
  }
  return only;
}

/** Evaluates stored models on the same records (a record a model cannot take, or without a target, is skipped for all). */
export async function evaluateModels(models: readonly ModelUnderTest[], records: readonly Row[], target?: string): Promise<Evaluation> {
  const column = targetOf(models.map((m) => m.info), target);
  const toRows = models.map((m) => recordPreprocessor(m.info));
  const kept: number[][][] = models.map(() => []);
  const y: number[] = [];
  let skipped = 0;
  for (const rec of records) {
    const t = rec[column];
    let rows: number[][];
    try {
      if (typeof t !== 'number' || !Number.isFinite(t)) throw new BentoError('INVALID_INPUT', 'no target');
      rows = toRows.map((f) => f(rec));
    } catch (err) {
      if (!isBentoError(err) || err.code !== 'INVALID_INPUT') throw err;
      skipped++;
      continue;
    }
    rows.forEach((r, k) => kept[k]!.push(r));
    y.push(t);
  }
  if (y.length === 0) throw new BentoError('BAD_DATA', `no row has the target "${column}" and every feature of each model (${skipped} skipped)`);
  const out: Evaluation['models'] = [];
  for (const [k, m] of models.entries()) {
    const session = await loadSession(m.onnx);
    const pred = await session.run(Float32Array.from(kept[k]!.flat()), y.length, m.info.features.length);
    out.push({ tag: m.tag, metrics: regressionMetrics(y, pred) });
  }
  return { rows: y.length, skipped, target: column, models: out };
}

export interface CompareOptions {
  /** Model tags (two or more). */
  models: string[];
  /** A CSV file of rows with the target… */
  data?: string;
  /** …or a stored dataset version (one of the two is needed). */
  dataset?: string;
  /** The column to score against (default: the models' target). */
  target?: string;
}

/**
 * `bento models compare A B [--data FILE]`.
 *
 * @example
 *   const e = await compareModels({ models: ['houses_regressor:1m8q', 'houses_regressor:1m8r'], data: 'new.csv' });
 */
export async function compareModels(opts: CompareOptions): Promise<Evaluation & { data: string }> {
  if (opts.models.length < 2) throw new BentoError('BAD_ARGUMENT', 'compare needs two models or more');
  if (opts.data !== undefined && opts.dataset !== undefined) throw new BentoError('BAD_ARGUMENT', '--data and --dataset are exclusive');
  const models = await Promise.all(opts.models.map((t) => getModel(t)));
  let file: string;
  if (opts.data !== undefined) file = path.resolve(opts.data);
  else if (opts.dataset !== undefined) file = datasetFile(await getDataset(opts.dataset));
  else throw new BentoError('BAD_ARGUMENT', 'say which rows to compare on: --data FILE or --dataset NAME[:VERSION]');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BentoError('FILE_NOT_FOUND', `data file not found: ${file}`);
    throw err;
  }
  const evaluation = await evaluateModels(models.map(storedModel), tableRecords(parseCsv(text, file)), opts.target);
  return { ...evaluation, data: file };
}
