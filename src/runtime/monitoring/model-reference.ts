/**
 * The drift reference a model stored (`reference.<feature>.sample` and `prediction_reference` in model.yaml),
 * as `computeDrift` takes it: values rounded to float32 as the model receives them, so a value the service
 * is sent compares equal to the same value in the training data.
 */
import type { ModelInfo } from '../../models/model-info.js';
import type { DriftReference } from './drift.js';

const numbers = (x: unknown): x is number[] => Array.isArray(x) && x.length > 0 && x.every((v) => typeof v === 'number');

/**
 * The reference of `info`, or a reason why there is none (an imported model, or one trained before
 * samples were stored): drift is then not computed, data quality still is.
 */
export function driftReference(info: ModelInfo): { reference: DriftReference } | { missing: string } {
  const stats = info.reference;
  if (!stats) return { missing: `model ${info.name}:${info.version} stores no reference statistics` };
  const features: Record<string, Float32Array> = {};
  let rows = 0;
  for (const name of info.features) {
    const s = stats[name];
    if (!s || !numbers(s.sample)) return { missing: `model ${info.name}:${info.version} stores no reference sample of "${name}" (trained before drift monitoring)` };
    features[name] = Float32Array.from(s.sample);
    rows = Math.max(rows, typeof s.count === 'number' ? s.count : s.sample.length);
  }
  const p = info.prediction_reference;
  const predictions = p && numbers(p.sample) && typeof p.rows === 'number' ? { rows: p.rows, values: Float32Array.from(p.sample) } : undefined;
  const correlations: Record<string, number> = {};
  for (const [k, v] of Object.entries(p?.correlations ?? {})) if (typeof v === 'number') correlations[k] = v;
  return { reference: { rows, features, ...(predictions ? { predictions } : {}), correlations } };
}
