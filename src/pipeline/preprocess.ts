/**
 * An API's `preprocess` built from the rules its model stored (see rules.ts): a service declares its
 * inputs, but how a record becomes a model row is decided by training alone.
 */
import { BentoError, isBentoError } from '../errors.js';
import type { ModelInfo } from '../models/model-info.js';
import type { ApiContext, Rows } from '../sdk/index.js';
import { recordPreprocessor, type RecordPreprocessor } from './rules.js';

/** A JSON array of records, as a client posts it. */
export type Records = Array<Readonly<Record<string, unknown>>>;

/**
 * The preprocess of an API taking a JSON array of records: each record goes through the stored rules of
 * the model `alias` and becomes one float32 row; a bad record is a 400 naming record and field
 * (`/3/rooms`). No record is dropped or merged: one row per record, in order.
 *
 * @example
 *   api<Record<string, unknown>[], number[]>({ route: '/predict', input, output, preprocess: recordsToRows('regressor') })
 */
export function recordsToRows(alias: string): (records: Records, ctx: ApiContext) => Rows {
  // One preprocessor per loaded model: the stored rules are checked once, not per request.
  const built = new WeakMap<ModelInfo, RecordPreprocessor>();
  return (records, ctx) => {
    const info = ctx.models[alias]?.info;
    if (info === undefined) throw new BentoError('INTERNAL', `the service has no model "${alias}" (recordsToRows)`);
    let toRow = built.get(info);
    if (toRow === undefined) {
      try {
        toRow = recordPreprocessor(info);
      } catch (err) {
        // a model whose stored rules are broken is the server's fault, not the client's (500, not 400)
        if (isBentoError(err)) throw new BentoError('INTERNAL', err.message, err.details);
        throw err;
      }
      built.set(info, toRow);
    }
    const width = info.features.length;
    const data = new Float32Array(records.length * width);
    records.forEach((record, i) => {
      try {
        data.set(toRow(record), i * width);
      } catch (err) {
        if (!isBentoError(err) || err.code !== 'INVALID_INPUT') throw err;
        // Name the record as well as the field: "/3/rooms".
        const details = err.details.map((d) => ({ ...d, path: `/${i}${d.path}` }));
        throw new BentoError(err.code, `record ${i}: ${err.message}`, details);
      }
    });
    return { data, count: records.length, width };
  };
}
