/**
 * New rows for a dataset, as CSV text or JSON records: checked row by row (every bad row listed, nothing
 * written), then stored as a new version — appended to the newest version of the name (the new version
 * records it as its parent), or on their own. A stored version is never changed.
 */
import { promises as fs } from 'node:fs';
import { BentoError, type ErrorDetail } from '../errors.js';
import { parseCsv, type CsvTable } from '../pipeline/csv.js';
import type { DatasetSchema } from './dataset-info.js';
import { addDataset, datasetFile, listDatasets, type AddedDataset } from './dataset-store.js';
import { checkTable } from './schema.js';

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of a table: header then rows, LF line ends. */
export function tableToCsv(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}

/**
 * JSON records → a table in the order of `header` (a missing or null field is an empty cell). A record that
 * is not an object, a field holding an object or array, or a record lacking a required column is a problem
 * naming its 1-based row. With no header, the columns are the fields in the order they first appear.
 */
export function recordsToTable(records: unknown, schema: DatasetSchema | undefined, header?: readonly string[]): { table: CsvTable; problems: ErrorDetail[] } {
  if (!Array.isArray(records) || records.length === 0) throw new BentoError('BAD_DATA', 'expected a non-empty JSON array of records (objects)', [{ path: '', message: 'not a non-empty array' }]);
  const columns = header ? [...header] : [...new Set(records.flatMap((r) => (typeof r === 'object' && r !== null && !Array.isArray(r) ? Object.keys(r) : [])))];
  const problems: ErrorDetail[] = [];
  const rows = records.map((rec: unknown, i) => {
    const at = `row ${i + 1}`;
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
      problems.push({ path: at, message: 'is not a JSON object' });
      return columns.map(() => '');
    }
    const r = rec as Record<string, unknown>;
    for (const c of schema?.required ?? []) if (!(c in r)) problems.push({ path: at, message: `"${c}" is missing` });
    return columns.map((c) => {
      const v = r[c];
      if (v === undefined || v === null) return '';
      if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
      if (typeof v === 'string' || typeof v === 'boolean') return String(v);
      problems.push({ path: at, message: `"${c}" holds ${Array.isArray(v) ? 'an array' : 'an object'}` });
      return '';
    });
  });
  return { table: { header: columns, rows, lines: rows.map((_, i) => i + 1) }, problems };
}

export interface AddRowsInput {
  name: string;
  /** CSV text with a header row, or JSON records. */
  rows: { csv: string } | { records: unknown };
  schema?: DatasetSchema;
  /** `append` (default): the newest version's rows, then these; `replace`: these rows alone. */
  mode?: 'append' | 'replace';
  /** Recorded as the version's source. */
  source: string;
}

/**
 * Checks new rows and stores them as a new version (appended to the newest of `name` unless `replace`).
 * Bad rows → BAD_DATA whose details list `row N` (1-based, of the rows given) and why; nothing is written.
 *
 * @example
 *   await addRows({ name: 'data', rows: { records: [{ rooms: 3, … }] }, schema, source: 'bridge' });
 */
export async function addRows(input: AddRowsInput): Promise<AddedDataset> {
  const parent = input.mode === 'replace' ? undefined : (await listDatasets(input.name))[0];
  const parentText = parent ? await fs.readFile(datasetFile(parent), 'utf8') : undefined;
  const parentHeader = parentText !== undefined ? parseCsv(parentText, datasetFile(parent!)).header : undefined;
  const order = parentHeader ?? (input.schema && 'records' in input.rows ? Object.keys(input.schema.columns) : undefined);

  let table: CsvTable;
  if ('csv' in input.rows) {
    table = parseCsv(input.rows.csv, 'the posted rows');
  } else {
    const made = recordsToTable(input.rows.records, input.schema, order);
    if (made.problems.length > 0) {
      throw new BentoError('BAD_DATA', `the posted rows: ${new Set(made.problems.map((p) => p.path)).size} bad row(s), nothing stored (first: ${made.problems[0]!.path}: ${made.problems[0]!.message})`, made.problems);
    }
    table = made.table;
  }
  if (table.rows.length === 0) throw new BentoError('BAD_DATA', 'the posted rows: no data rows', [{ path: '', message: 'no rows' }]);
  if (input.schema) checkTable(table, input.schema, 'the posted rows');

  if (parentText === undefined || parentHeader === undefined) {
    return addDataset({ bytes: Buffer.from(tableToCsv(table.header, table.rows)), name: input.name, source: input.source, ...(input.schema ? { schema: input.schema } : {}) });
  }
  const unknown = table.header.filter((h) => !parentHeader.includes(h));
  if (unknown.length > 0) {
    throw new BentoError('BAD_DATA', `the posted rows: column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')} not in ${parent!.info.name}:${parent!.info.version} (columns: ${parentHeader.join(', ')})`, unknown.map((c) => ({ path: 'header', message: `unknown column "${c}"` })));
  }
  const at = parentHeader.map((h) => table.header.indexOf(h));
  const appended = tableToCsv(parentHeader, table.rows.map((cells) => at.map((j) => (j < 0 ? '' : cells[j]!)))).split('\n').slice(1).join('\n');
  const bytes = Buffer.from((parentText.endsWith('\n') ? parentText : parentText + '\n') + appended);
  return addDataset({
    bytes,
    name: input.name,
    source: input.source,
    parent: `${parent!.info.name}:${parent!.info.version}`,
    ...(input.schema ? { schema: input.schema } : {}),
  });
}
