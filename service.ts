/**
 * The activities service: one API, `predict`, that takes a JSON array of activity records and answers one
 * predicted Quality per record, in order. Preprocessing is the original pipeline's (see README):
 * keep the five features in order, clamp distance to ≤ 30 and heart rate to ≥ 60, fill a missing heart rate
 * with the training mean stored in the model. No record is ever dropped or merged.
 */
import { BentoError, isBentoError } from './src/errors.js';
import { api, service, type ApiContext, type Rows } from './src/sdk/index.js';
import { FEATURES, FILLED_FEATURE as HEART_RATE } from './src/pipeline/schema.js';
import { preprocessRecord, type Fill } from './src/pipeline/wrangle.js';

export { FEATURES };

type ActivityRecord = Record<string, unknown>;

const number = { type: 'number' };

/** One record: the five features; any other field (Date, Type, Duration, even Quality) is accepted and ignored. */
const recordSchema = {
  type: 'object',
  required: FEATURES.filter((f) => f !== HEART_RATE),
  properties: {
    [FEATURES[0]]: { ...number, description: 'km; values above 30 are clamped to 30' },
    [FEATURES[1]]: number,
    [FEATURES[2]]: number,
    [FEATURES[3]]: number,
    [HEART_RATE]: { type: ['number', 'null'], description: 'beats per minute; raised to 60 if lower; filled with the training mean if missing or null' },
  },
  additionalProperties: true,
};

const example = [{ 'Distance (km)': 26.91, 'Average Speed (km/h)': 11.08, 'Calories Burned': 1266, 'Climb (m)': 98, 'Average Heart rate (tpm)': 121 }];

/** The training pipeline's rules for each record (clamp, fill), laid out as float32 rows. */
function preprocess(records: ActivityRecord[], ctx: ApiContext): Rows {
  // Only models trained here know the training mean; with an imported model a heart rate is required.
  const fill = { [HEART_RATE]: ctx.models.regressor!.info.fill[HEART_RATE] ?? Number.NaN } as Fill;
  const width = FEATURES.length;
  const data = new Float32Array(records.length * width);
  records.forEach((record, i) => {
    try {
      data.set(preprocessRecord(record, fill), i * width);
    } catch (err) {
      if (!isBentoError(err)) throw err;
      // Name the record as well as the field: "/3/Climb (m)".
      const details = err.details.map((d) => ({ ...d, path: `/${i}${d.path}` }));
      throw new BentoError(err.code, `record ${i}: ${err.message}`, details);
    }
  });
  return { data, count: records.length, width };
}

export const svc = service({
  name: 'activities_model',
  description: 'Predicts the Quality of fitness activities with a random forest.',
  models: { regressor: 'activities_regressor:latest' },
  apis: {
    predict: api<ActivityRecord[], number[]>({
      route: '/predict',
      doc: 'One predicted Quality per posted activity record, in order.',
      input: { type: 'array', items: recordSchema, examples: [example] },
      output: { type: 'array', items: number },
      batchable: true,
      max_batch_size: 1000,
      max_latency_ms: 200,
      preprocess,
    }),
  },
  traffic: { timeout: 10, max_concurrency: 512 },
});
