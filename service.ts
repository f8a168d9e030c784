/**
 * The activities service: one API, `predict`, that takes a JSON array of activity records and answers one
 * predicted Quality per record, in order. The preprocessing is the one the model stored when it was trained
 * (conf/base/catalog.yml: keep the five features in order, clamp distance to ≤ 30 and heart rate to ≥ 60,
 * fill a missing heart rate with the training mean), so serving cannot drift from training.
 * No record is ever dropped or merged.
 */
import { api, service } from './src/sdk/index.js';
import { recordsToRows, type Records } from './src/pipeline/preprocess.js';

/** The model's inputs as clients name them, for the request schema (the model's own list decides the order). */
export const FEATURES = ['Distance (km)', 'Average Speed (km/h)', 'Calories Burned', 'Climb (m)', 'Average Heart rate (tpm)'] as const;
const HEART_RATE = FEATURES[4];

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

export const svc = service({
  name: 'activities_model',
  description: 'Predicts the Quality of fitness activities with a random forest.',
  models: { regressor: 'activities_regressor:latest' },
  apis: {
    predict: api<Records, number[]>({
      route: '/predict',
      doc: 'One predicted Quality per posted activity record, in order.',
      input: { type: 'array', items: recordSchema, examples: [example] },
      output: { type: 'array', items: number },
      batchable: true,
      max_batch_size: 1000,
      max_latency_ms: 200,
      preprocess: recordsToRows('regressor'),
    }),
  },
  traffic: { timeout: 10, max_concurrency: 512 },
});
