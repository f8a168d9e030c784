/**
 * The columns a dataset version is checked against: the project's catalog (`conf/base/catalog.yml`) when
 * there is one, else inferred from the cells. The check lists every bad row with its number and reason.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BentoError, type ErrorDetail } from '../errors.js';
import { loadCatalog, type Catalog } from '../pipeline/catalog.js';
import type { CsvTable } from '../pipeline/csv.js';
import { CATALOG_FILE, DEFAULT_CONF } from '../pipeline/train-and-save.js';
import { NA_STRINGS, notANumber, type ColumnType } from '../pipeline/wrangle.js';
import type { DatasetSchema } from './dataset-info.js';

/** The schema of a catalog: its declared columns; its features and target are required. */
export function catalogSchema(catalog: Pick<Catalog, 'columns' | 'features' | 'target'>): DatasetSchema {
  return { source: 'catalog', columns: { ...catalog.columns }, required: [...catalog.features, catalog.target] };
}

/**
 * The project's schema: `<project>/<conf>/catalog.yml` read and checked (BAD_CONFIG), or undefined when
 * the project has none (then each version's schema is inferred).
 */
export async function projectSchema(project = process.cwd(), conf = DEFAULT_CONF): Promise<DatasetSchema | undefined> {
  const file = path.resolve(project, conf, CATALOG_FILE);
  if (!existsSync(file)) return undefined;
  return catalogSchema(await loadCatalog(file));
}

/** A schema from the cells: a column is a number column when every value it holds is a number. */
export function inferSchema(table: CsvTable): DatasetSchema {
  const columns: Record<string, ColumnType> = {};
  table.header.forEach((h, c) => {
    let numeric = false;
    for (const cells of table.rows) {
      const raw = cells[c]!.trim();
      if (NA_STRINGS.has(raw)) continue;
      numeric = notANumber(raw) === undefined;
      if (!numeric) break;
    }
    columns[h] = numeric ? 'number' : 'string';
  });
  return { source: 'inferred', columns, required: [] };
}

/** At most this many bad rows are listed in an error (the count is always given). */
const MAX_LISTED = 100;

/**
 * Checks a parsed table against a schema: every required column is in the header, no column is named
 * twice, and every cell of a number column is a number or missing. Returns the declared columns the file
 * lacks (allowed: they are not required). Throws BAD_DATA listing each bad row (1-based data row number,
 * its line, the column and why), so nothing is stored from a table with a bad row.
 */
export function checkTable(table: CsvTable, schema: DatasetSchema, label: string): { missingColumns: string[] } {
  const twice = table.header.filter((h, i) => table.header.indexOf(h) !== i);
  if (twice.length > 0) throw new BentoError('BAD_DATA', `${label}: column ${twice.map((c) => `"${c}"`).join(', ')} appears twice in the header`, twice.map((c) => ({ path: `${label}:1`, message: `column "${c}" appears twice` })));
  const absent = schema.required.filter((c) => !table.header.includes(c));
  if (absent.length > 0) {
    throw new BentoError('BAD_DATA', `${label}: missing required column${absent.length > 1 ? 's' : ''} ${absent.map((c) => `"${c}"`).join(', ')} (the ${schema.source} schema)`, absent.map((c) => ({ path: 'header', message: `missing column "${c}"` })));
  }
  const numeric = table.header.map((h, c) => (schema.columns[h] === 'number' ? c : -1)).filter((c) => c >= 0);
  const details: ErrorDetail[] = [];
  const badRows = new Set<number>();
  table.rows.forEach((cells, r) => {
    for (const c of numeric) {
      const raw = cells[c]!.trim();
      const why = notANumber(raw);
      if (why === undefined) continue;
      badRows.add(r);
      if (details.length < MAX_LISTED) details.push({ path: `row ${r + 1}`, message: `"${table.header[c]}" holds "${raw}": ${why} (line ${table.lines[r]})` });
    }
  });
  if (badRows.size > 0) {
    const first = details[0]!;
    throw new BentoError('BAD_DATA', `${label}: ${badRows.size} bad row${badRows.size > 1 ? 's' : ''}, nothing stored (first: ${first.path}: ${first.message})`, details);
  }
  return { missingColumns: Object.keys(schema.columns).filter((c) => !table.header.includes(c)) };
}
