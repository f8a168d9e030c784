/**
 * The "current" side of a drift report, in the model's columns: a CSV of records (each one preprocessed
 * with the model's stored rules and predicted by the model, as the service would), or a payload log
 * folder (the rows and predictions the service logged).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../../errors.js';
import type { StoredModel } from '../../models/model-store.js';
import { loadSession, runForest } from '../../onnx/session.js';
import { parseCsv } from '../../pipeline/csv.js';
import { recordPreprocessor } from '../../pipeline/rules.js';

export interface CurrentSample {
  /** What the sample was read from, for the report. */
  source: string;
  rows: number;
  /** One column per model feature (NaN where a value is missing or not a number). */
  features: Record<string, Float64Array>;
  /** One prediction per row (NaN for a row the model could not take). */
  predictions: Float64Array;
  /** Rows the model's preprocessing refused (missing or non-numeric features), with the first reasons. */
  refused: { rows: number; examples: string[] };
}

function columns(features: string[], rows: number): Record<string, Float64Array> {
  return Object.fromEntries(features.map((f) => [f, new Float64Array(rows).fill(Number.NaN)]));
}

/** A CSV cell as a record value: a number when it is one, null when empty, else the text. */
function cell(text: string): number | string | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** Reads `file` (a CSV with a header), preprocesses every record with the model's rules and predicts it. */
export async function currentFromCsv(file: string, model: StoredModel): Promise<CurrentSample> {
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new BentoError('FILE_NOT_FOUND', `--data ${file}: no such file`);
    throw err;
  });
  const table = parseCsv(text, file);
  const { features } = model.info;
  const missing = features.filter((f) => !table.header.includes(f));
  if (missing.length === features.length) {
    throw new BentoError('BAD_DATA', `${file} has none of the model's features (${features.join(', ')})`);
  }
  const toRow = recordPreprocessor(model.info);
  const n = table.rows.length;
  const out = columns(features, n);
  const width = features.length;
  const accepted: number[] = [];
  const x: number[] = [];
  const examples: string[] = [];
  table.rows.forEach((r, i) => {
    const record = Object.fromEntries(table.header.map((h, j) => [h, cell(r[j] ?? '')]));
    let row: number[];
    try {
      row = toRow(record);
      accepted.push(i);
      x.push(...row);
    } catch (err) {
      if (examples.length < 5) examples.push(`line ${table.lines[i]}: ${(err as Error).message}`);
      // Refused by the model, still described: the raw value where it is a number.
      row = features.map((f) => (typeof record[f] === 'number' ? (record[f] as number) : Number.NaN));
    }
    row.forEach((v, j) => (out[features[j]!]![i] = v));
  });
  const predictions = new Float64Array(n).fill(Number.NaN);
  if (accepted.length > 0) {
    const session = await loadSession(path.join(model.dir, model.info.model_file));
    const y = await runForest(session, model.info.signature.inputs[0]!.name, Float32Array.from(x), accepted.length, width);
    accepted.forEach((row, k) => (predictions[row] = y[k]!));
  }
  return { source: path.resolve(file), rows: n, features: out, predictions, refused: { rows: n - accepted.length, examples } };
}

interface LogLine {
  inputs: unknown;
  outputs: unknown;
}

/** Reads every `*.jsonl` payload log in `dir` (rotations and workers included): the logged rows and predictions. */
export async function currentFromLog(dir: string, model: StoredModel): Promise<CurrentSample> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BentoError('FILE_NOT_FOUND', `--log ${dir}: no such folder`);
    throw err;
  }
  if (names.length === 0) throw new BentoError('BAD_DATA', `--log ${dir}: no payload log (*.jsonl) in it`);
  const { features } = model.info;
  const width = features.length;
  const rows: number[][] = [];
  const preds: number[] = [];
  for (const name of names) {
    const text = await fs.readFile(path.join(dir, name), 'utf8');
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${path.join(dir, name)}:${i + 1}`;
      let e: LogLine;
      try {
        e = JSON.parse(line) as LogLine;
      } catch {
        // The last line of a log being written may be cut short: skip it, refuse any other.
        if (i >= lines.length - 2) return;
        throw new BentoError('BAD_DATA', `${where}: not a JSON line`);
      }
      const inputs = e.inputs;
      const outputs = e.outputs;
      if (!Array.isArray(inputs) || !Array.isArray(outputs) || inputs.length !== outputs.length) {
        throw new BentoError('BAD_DATA', `${where}: expected "inputs" (rows) and "outputs" (one prediction per row)`);
      }
      for (const [k, row] of inputs.entries()) {
        if (!Array.isArray(row) || row.length !== width) {
          throw new BentoError('BAD_DATA', `${where}: row ${k} has ${Array.isArray(row) ? row.length : 'no'} values; model ${model.info.name} takes ${width} (${features.join(', ')})`);
        }
        rows.push(row.map((v) => (typeof v === 'number' ? v : Number.NaN)));
        const y = outputs[k];
        preds.push(typeof y === 'number' ? y : Number.NaN);
      }
    });
  }
  const out = columns(features, rows.length);
  rows.forEach((row, i) => row.forEach((v, j) => (out[features[j]!]![i] = v)));
  return { source: path.resolve(dir), rows: rows.length, features: out, predictions: Float64Array.from(preds), refused: { rows: 0, examples: [] } };
}
