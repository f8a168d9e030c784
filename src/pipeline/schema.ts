/**
 * The activities data's columns: the five model features in the order the model takes them, the
 * target, and the columns clients send that the model ignores.
 */
export const FEATURES = [
  'Distance (km)',
  'Average Speed (km/h)',
  'Calories Burned',
  'Climb (m)',
  'Average Heart rate (tpm)',
] as const;

export type Feature = (typeof FEATURES)[number];

export const TARGET = 'Quality';

/** Columns of the data set that are not model inputs (kept for wrangling rules, ignored by the model). */
export const OTHER_COLUMNS = ['Date', 'Activity ID', 'Type', 'Duration'] as const;

/** Every column of the activities schema, in the order the CSV files carry them. */
export const COLUMNS = [
  'Date',
  'Activity ID',
  'Type',
  'Distance (km)',
  'Duration',
  'Average Speed (km/h)',
  'Calories Burned',
  'Climb (m)',
  'Average Heart rate (tpm)',
  'Quality',
] as const;

/** The feature a missing value is filled for (with the training column's mean) instead of dropping the row. */
export const FILLED_FEATURE = 'Average Heart rate (tpm)';

/** Validation clamps of the original pipeline. */
export const MAX_DISTANCE = 30;
export const MIN_HEART_RATE = 60;
