/**
 * The activities service: one API, `predict`, that takes a JSON array of activity records and answers one
 * predicted Quality per record, in order. Preprocessing is the original pipeline's (see README):
 * keep the five features in order, clamp distance to ≤ 30 and heart rate to ≥ 60, fill a missing heart rate
 * with the training mean stored in the model. No record is ever dropped or merged.
 */
import { BentoError } from './src/errors.js';
import { api, service, type ApiContext, type Rows } from './src/sdk/index.js';

export const FEATURES = [
  'Distance (km)',
  'Average Speed (km/h)',
  'Calories Burned',
  'Climb (m)',
  'Average Heart rate (tpm)',
] as const;

const HEART_RATE = 'Average Heart rate (tpm)';
const DISTANCE = 'Distance (km)';

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

/** Clamp and fill each record, then lay the five features out as float32 rows. */
function preprocess(records: ActivityRecord[], ctx: ApiContext): Rows {
  const fill = ctx.models.regressor!.info.fill[HEART_RATE];
  const width = FEATURES.length;
  const data = new Float32Array(records.length * width);
  records.forEach((record, i) => {
    FEATURES.forEach((feature, j) => {
      let value = record[feature] as number | null | undefined;
      if (feature === HEART_RATE && value == null && fill === undefined) {
        // Only models trained here know the training mean; an imported model needs the value.
        throw new BentoError('INVALID_INPUT', `record ${i}: "${HEART_RATE}" is missing and the model has no training mean to fill it with`, [
          { path: `/${i}/${HEART_RATE}`, message: 'is required by this model' },
        ]);
      }
      if (feature === HEART_RATE) value = value == null ? (fill as number) : Math.max(value, 60);
      else if (feature === DISTANCE) value = Math.min(value as number, 30);
      data[i * width + j] = value as number;
    });
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
