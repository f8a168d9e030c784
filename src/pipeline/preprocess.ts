/**
 * An API's `preprocess` built from the rules its model stored (see rules.ts): a service declares its
 * inputs, but how a record becomes a model row is decided by training alone.
 */
import { BentoError, isBentoError } from '../errors.js';
import type { ModelInfo } from '../models/model-info.js';
import type { ApiContext, Rows } from '../sdk/index.js';
import { BadRowError, columnPreprocessor, recordPreprocessor, type ColumnPreprocessor, type ColumnTable, type RecordPreprocessor } from './rules.js';

export type { ColumnTable } from './rules.js';

/** A JSON array of records, as a client posts it. */
export type Records = Array<Readonly<Record<string, unknown>>>;

/**
 * What recordsToRows returns: the preprocess of records, and the same over a table (a CSV body, JSON
 * columns) read column by column, which the runtime uses when the body came as one.
 */
export interface RecordsToRows {
  (records: Records, ctx: ApiContext): Rows;
  /** The rows of a table; a bad value is the error its record would give, its row named by `where` too. */
  fromColumns(table: ColumnTable & { where?(row: number): string }, ctx: ApiContext): Rows;
}

/**
 * The preprocess of an API taking a JSON array of records: each record goes through the stored rules of
 * the model `alias` and becomes one float32 row; a bad record is a 400 naming record and field
 * (`/3/rooms`). No record is dropped or merged: one row per record, in order.
 *
 * @example
 *   api<Record<string, unknown>[], number[]>({ route: '/predict', input, output, preprocess: recordsToRows('regressor') })
 */
export function recordsToRows(alias: string): RecordsToRows {
  // One preprocessor per loaded model: the stored rules are checked once, not per request.
  const built = new WeakMap<ModelInfo, { toRow: RecordPreprocessor; toData: ColumnPreprocessor }>();
  const of = (ctx: ApiContext): { info: ModelInfo; toRow: RecordPreprocessor; toData: ColumnPreprocessor } => {
    const info = ctx.models[alias]?.info;
    if (info === undefined) throw new BentoError('INTERNAL', `the service has no model "${alias}" (recordsToRows)`);
    let pre = built.get(info);
    if (pre === undefined) {
      try {
        pre = { toRow: recordPreprocessor(info), toData: columnPreprocessor(info) };
      } catch (err) {
        // a model whose stored rules are broken is the server's fault, not the client's (500, not 400)
        if (isBentoError(err)) throw new BentoError('INTERNAL', err.message, err.details);
        throw err;
      }
      built.set(info, pre);
    }
    return { info, ...pre };
  };
  // Name the record as well as the field: "/3/rooms".
  const named = (err: BentoError, i: number, where = ''): BentoError =>
    new BentoError(
      err.code,
      `record ${i}${where}: ${err.message}`,
      err.details.map((d) => ({ ...d, path: `/${i}${d.path}`, message: `${d.message}${where}` })),
    );
  const toRows = ((records: Records, ctx: ApiContext): Rows => {
    const { info, toRow } = of(ctx);
    const width = info.features.length;
    const data = new Float32Array(records.length * width);
    records.forEach((record, i) => {
      try {
        data.set(toRow(record), i * width);
      } catch (err) {
        if (!isBentoError(err) || err.code !== 'INVALID_INPUT') throw err;
        throw named(err, i);
      }
    });
    return { data, count: records.length, width };
  }) as RecordsToRows;
  toRows.fromColumns = (table, ctx) => {
    const { info, toData } = of(ctx);
    try {
      return { data: toData(table), count: table.count, width: info.features.length };
    } catch (err) {
      if (err instanceof BadRowError) throw named(err.error, err.row, table.where?.(err.row));
      throw err;
    }
  };
  return toRows;
}
