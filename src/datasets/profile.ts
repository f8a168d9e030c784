/** A dataset version's profile: per column, how many values and missing cells, and what the values look like. */
import type { CsvTable } from '../pipeline/csv.js';
import { featureStats } from '../pipeline/reference.js';
import { NA_STRINGS } from '../pipeline/wrangle.js';
import type { ColumnProfile, DatasetSchema } from './dataset-info.js';

const TOP = 5;

/** Profiles every column of the header (after `checkTable`: number columns hold numbers or nothing). */
export function profileTable(table: CsvTable, schema: DatasetSchema): Record<string, ColumnProfile> {
  const out: Record<string, ColumnProfile> = {};
  table.header.forEach((h, c) => {
    const values = table.rows.map((cells) => cells[c]!.trim()).filter((v) => !NA_STRINGS.has(v));
    const base = { count: values.length, missing: table.rows.length - values.length };
    if (schema.columns[h] === 'number') {
      out[h] = { type: 'number', ...base, ...(values.length > 0 ? { stats: featureStats(values.map(Number)) } : {}) };
      return;
    }
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP).map(([value, count]) => ({ value, count }));
    out[h] = { type: 'string', ...base, distinct: counts.size, top };
  });
  return out;
}
