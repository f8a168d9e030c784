/**
 * The promotion gate: a retrained model is compared with the model the current bento serves, on the same
 * rows — the validation split of the data it was trained on, each row through each model's own stored
 * preprocessing — and refused when its error is worse by more than a set tolerance.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bentoStore } from '../bento/bento-store.js';
import { readModelInfo } from '../models/model-yaml.js';
import { parseCsv } from '../pipeline/csv.js';
import type { GateVerdict } from '../pipeline/runs.js';
import { splitAgain, type TrainedCandidate } from '../pipeline/train-and-save.js';
import { listServing } from '../runtime/cluster/serving-file.js';
import { formatTag, splitExactTag } from '../store/tag.js';
import { evaluateModels, tableRecords, type ModelUnderTest, type Row } from './compare.js';

/** The metric the gate compares (lower is better). */
export const GATE_METRIC = 'mean_absolute_error';

export interface GateOptions {
  /** Allowed relative worsening of the metric: 0.05 lets the new model be up to 5 % worse. */
  tolerance: number;
  /** The served bento's name; default the newest bento that serves a model of the candidate's name. */
  bento?: string;
}

/**
 * The model named `modelName` being served, and its bento: the bento a running production server serves
 * (`$BENTO_HOME/serving/`, e.g. after a rollback), else the newest bento (of `bentoName`) with such a model.
 * The model is the bento's own copy.
 */
export async function servedModel(modelName: string, bentoName?: string): Promise<{ bento: string; model: ModelUnderTest } | undefined> {
  const stored = await bentoStore().list(bentoName);
  const running = new Set(listServing().filter((r) => bentoName === undefined || r.service === bentoName).map((r) => r.bento));
  const serving = stored.filter((b) => running.has(formatTag(b.info.name, b.info.version)));
  for (const b of [...serving, ...stored]) {
    const ref = b.info.models.find((m) => splitExactTag(m.tag).name === modelName);
    if (!ref) continue;
    const { name, version } = splitExactTag(ref.tag);
    const dir = path.join(b.dir, 'models', name, version);
    const info = readModelInfo(dir);
    return { bento: formatTag(b.info.name, b.info.version), model: { tag: ref.tag, info, onnx: path.join(dir, info.model_file) } };
  }
  return undefined;
}

/** The candidate's validation rows as the records they were in the file (before any rule). */
export async function validationRecords(c: TrainedCandidate): Promise<Row[]> {
  const { data, parts } = await splitAgain(c.plan, c.result);
  const table = parseCsv(await fs.readFile(c.plan.dataPath, 'utf8'), c.plan.dataPath);
  const rowAt = new Map(table.lines.map((line, i) => [line, i] as const));
  return tableRecords(table, Array.from(parts.validation, (k) => rowAt.get(data.lines[k]!)!));
}

/**
 * Decides whether a candidate may replace the served model.
 *
 * @example
 *   const verdict = await promotionGate(candidate, { tolerance: 0.05 });
 *   if (!verdict.passed) console.log(verdict.reason);
 */
export async function promotionGate(c: TrainedCandidate, opts: GateOptions): Promise<GateVerdict> {
  const served = await servedModel(c.plan.name, opts.bento);
  const candidate: ModelUnderTest = { tag: `${c.plan.name} (candidate)`, info: { features: c.result.features, preprocessing: c.result.preprocessing }, onnx: c.onnx };
  const records = await validationRecords(c);
  const base = { metric: GATE_METRIC, tolerance: opts.tolerance };
  if (!served) {
    const e = await evaluateModels([candidate], records, c.result.target);
    return { ...base, passed: true, candidate: e.models[0]!.metrics.mean_absolute_error, rows: e.rows, reason: 'no bento serves a model of this name yet' };
  }
  const e = await evaluateModels([candidate, served.model], records, c.result.target);
  const [mine, theirs] = e.models.map((m) => m.metrics.mean_absolute_error) as [number, number];
  const limit = theirs * (1 + opts.tolerance);
  const passed = mine <= limit;
  const pct = ((mine / theirs - 1) * 100).toFixed(1);
  return {
    ...base,
    passed,
    candidate: mine,
    served: theirs,
    served_model: `${served.model.tag} in ${served.bento}`,
    rows: e.rows,
    reason: `${GATE_METRIC} ${mine.toFixed(3)} vs ${theirs.toFixed(3)} served (${pct} %) on ${e.rows} validation rows: ${passed ? 'within' : 'worse than'} the tolerance of ${(opts.tolerance * 100).toFixed(1)} %`,
  };
}
