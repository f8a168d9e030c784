/**
 * The serving settings of a service — per-API batching and the service's traffic limits — filled with
 * their defaults and checked in ONE place. `service()` resolves what the code declares; the runtime
 * resolves a bento.yaml's overrides with the same functions, so a bad value is the same BAD_CONFIG
 * wherever it was written, naming where and the key.
 */
import { BentoError } from '../errors.js';

export interface BatchingOptions {
  /** Merge concurrent requests into one model call. */
  batchable: boolean;
  /** Most rows in one model call; a larger request is split across batches. */
  max_batch_size: number;
  /** Latency budget of a request in the batcher: past it the request is shed with 503. */
  max_latency_ms: number;
}

export interface TrafficOptions {
  /** Seconds a request may take in total before it is answered 504. */
  timeout: number;
  /** Requests in flight per worker before new ones are answered 429. */
  max_concurrency: number;
}

export const DEFAULT_BATCHING: Readonly<BatchingOptions> = Object.freeze({ batchable: false, max_batch_size: 100, max_latency_ms: 1000 });
export const DEFAULT_TRAFFIC: Readonly<TrafficOptions> = Object.freeze({ timeout: 60, max_concurrency: 1000 });

/** The batching keys an API may set (in `api()` or in bento.yaml's `apis`). */
export const BATCHING_KEYS = Object.keys(DEFAULT_BATCHING) as Array<keyof BatchingOptions>;
const TRAFFIC_KEYS = Object.keys(DEFAULT_TRAFFIC) as Array<keyof TrafficOptions>;

// Timers hold at most 2^31 - 1 ms; a longer one fires at once, so a larger budget would mean none.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A BAD_CONFIG naming where the settings come from and the key. */
export function configError(where: string, key: string, why: string): BentoError {
  return new BentoError('BAD_CONFIG', `${where}: ${key} ${why}`, [{ path: key, message: why }]);
}

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v));

function wholeAtLeastOne(where: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw configError(where, key, `must be a whole number ≥ 1, not ${show(v)}`);
  return v;
}

function positive(where: string, key: string, v: unknown, unit: string, max: number): number {
  if (typeof v !== 'number' || !(v > 0) || v > max) throw configError(where, key, `must be a number of ${unit} > 0 and ≤ ${max}, not ${show(v)}`);
  return v;
}

/** Checks that `given` holds only `known` keys; `prefix` is how its keys are named in errors. */
export function checkKnownKeys(given: object, known: readonly string[], where: string, prefix = ''): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw configError(where, `${prefix}${key}`, `is not a known setting (known: ${known.join(', ')})`);
  }
}

function mapping(where: string, key: string, v: unknown): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw configError(where, key, `must be a mapping, not ${show(v)}`);
  return v as Record<string, unknown>;
}

/**
 * One API's batching settings: the batching keys of `given` over `base` (default: the defaults), checked.
 * Other keys of `given` are ignored (the caller knows which others its source may hold).
 *
 * @example
 *   resolveApiSettings({ max_batch_size: 0 }, 'service "s", api "predict"')
 *   // BAD_CONFIG: service "s", api "predict": max_batch_size must be a whole number ≥ 1, not 0
 */
export function resolveApiSettings(given: { readonly [K in keyof BatchingOptions]?: unknown }, where: string, base: Readonly<BatchingOptions> = DEFAULT_BATCHING): BatchingOptions {
  const { batchable = base.batchable, max_batch_size = base.max_batch_size, max_latency_ms = base.max_latency_ms } = given;
  if (typeof batchable !== 'boolean') throw configError(where, 'batchable', `must be true or false, not ${show(batchable)}`);
  return {
    batchable,
    max_batch_size: wholeAtLeastOne(where, 'max_batch_size', max_batch_size),
    max_latency_ms: positive(where, 'max_latency_ms', max_latency_ms, 'milliseconds', MAX_TIMER_MS),
  };
}

/**
 * A service's traffic settings: `given` (a `traffic` mapping; unknown keys are errors) over `base`, checked.
 *
 * @example
 *   resolveTraffic({ timeout: 10 }, 'service "s"') // { timeout: 10, max_concurrency: 1000 }
 */
export function resolveTraffic(given: unknown, where: string, base: Readonly<TrafficOptions> = DEFAULT_TRAFFIC): TrafficOptions {
  const t = mapping(where, 'traffic', given);
  checkKnownKeys(t, TRAFFIC_KEYS, where, 'traffic.');
  const { timeout = base.timeout, max_concurrency = base.max_concurrency } = t;
  return {
    timeout: positive(where, 'traffic.timeout', timeout, 'seconds', Math.floor(MAX_TIMER_MS / 1000)),
    max_concurrency: wholeAtLeastOne(where, 'traffic.max_concurrency', max_concurrency),
  };
}
