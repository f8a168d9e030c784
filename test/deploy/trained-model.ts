/**
 * A real activities model for the drift tests, trained by `bento train` in a temporary home, and slices
 * of the project's data (optionally with the distance shifted) as CSV.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { currentFromCsv } from '../../src/deploy/report/current.js';
import type { StoredModel } from '../../src/models/model-store.js';
import { readModelInfo } from '../../src/models/model-yaml.js';
import { parseCsv } from '../../src/pipeline/csv.js';
import { pearson } from '../../src/runtime/monitoring/stats.js';
import { bento } from '../kit/cli.js';
import { ROOT } from '../kit/project.js';

export const DATA = path.join(ROOT, 'data/01_raw/DATA.csv');
export const DISTANCE = 'Distance (km)';

/** The project's data as records (numbers where a cell is one). */
export function dataRecords(from: number, to: number, shift = 0): Array<Record<string, string | number>> {
  const table = parseCsv(readFileSync(DATA, 'utf8'), DATA);
  return table.rows.slice(from, to).map((r) => {
    const rec: Record<string, string | number> = {};
    table.header.forEach((h, j) => {
      const v = r[j] ?? '';
      rec[h] = v !== '' && Number.isFinite(Number(v)) ? Number(v) + (h === DISTANCE ? shift : 0) : v;
    });
    return rec;
  });
}

/** Rows [from, to) of the project's data as CSV text, with `shift` added to the distance. */
export function csvSlice(from: number, to: number, shift = 0): string {
  const table = parseCsv(readFileSync(DATA, 'utf8'), DATA);
  const j = table.header.indexOf(DISTANCE);
  const rows = table.rows.slice(from, to).map((r) => r.map((c, k) => (k === j && c !== '' ? String(Number(c) + shift) : c)));
  return [table.header, ...rows].map((r) => r.map((c) => (/[",]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n') + '\n';
}

/**
 * Trains the project's model into `home` and returns it. A model that stores no predictions on its
 * validation split (model.yaml's `prediction_reference`) gets the model's own predictions on rows drawn
 * like the reference, and `note` says so: the prediction-drift paths are exercised either way.
 */
export async function trainActivities(home: string, note: (msg: string) => void): Promise<StoredModel> {
  const r = await bento(['train'], { home, cwd: ROOT });
  if (r.code !== 0) throw new Error(`bento train failed: ${r.stderr}`);
  const root = path.join(home, 'models', 'activities_regressor');
  const dir = path.join(root, readdirSync(root)[0]!);
  const model: StoredModel = { dir, info: readModelInfo(dir) };
  if (model.info.prediction_reference) return model;
  note('the trained model stores no prediction_reference (model.yaml): the test adds one');
  const file = path.join(home, 'like-validation.csv');
  writeFileSync(file, csvSlice(500, 800));
  const cur = await currentFromCsv(file, model);
  const yamlFile = path.join(dir, 'model.yaml');
  const doc = YAML.parse(readFileSync(yamlFile, 'utf8')) as Record<string, unknown>;
  const correlations: Record<string, number> = {};
  for (const f of model.info.features) correlations[f] = pearson(cur.features[f]!, cur.predictions);
  doc.prediction_reference = { rows: cur.rows, sample: Array.from(cur.predictions), correlations };
  writeFileSync(yamlFile, YAML.stringify(doc));
  return { dir, info: readModelInfo(dir) };
}

