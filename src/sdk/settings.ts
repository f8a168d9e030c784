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
  /**
   * Seconds a request may take to arrive whole (headers and body) before it is answered 408 and its
   * connection closed; unset means DEFAULT_BODY_TIMEOUT. Kept out of the resolved object when not given, so
   * a bento.yaml written before it existed reads the same.
   */
  body_timeout?: number;
  /**
   * Largest request body in bytes (BentoML's max_request_size); a larger one is answered 413 before it is
   * read. Unset means DEFAULT_MAX_REQUEST_SIZE; kept out of the resolved object when not given, as body_timeout.
   */
  max_request_size?: number;
}

export const DEFAULT_BATCHING: Readonly<BatchingOptions> = Object.freeze({ batchable: false, max_batch_size: 100, max_latency_ms: 1000 });
export const DEFAULT_TRAFFIC: Readonly<TrafficOptions> = Object.freeze({ timeout: 60, max_concurrency: 1000 });
/** Default `traffic.body_timeout`: a few seconds, far more than a 10 MB body takes on any working link. */
export const DEFAULT_BODY_TIMEOUT = 5;
/** Default `traffic.max_request_size`: 10 MiB (a 10 000-record JSON request is about 1.9 MB). */
export const DEFAULT_MAX_REQUEST_SIZE = 10 * 1024 * 1024;
/**
 * The largest `traffic.max_request_size` a service may set: 256 MiB. A body is held in memory whole and a
 * JSON one parsed as one string, and V8's strings stop at 2^29 characters (512 MiB).
 */
export const MAX_REQUEST_SIZE_LIMIT = 256 * 1024 * 1024;

/** The batching keys an API may set (in `api()` or in bento.yaml's `apis`). */
export const BATCHING_KEYS = Object.keys(DEFAULT_BATCHING) as Array<keyof BatchingOptions>;
const TRAFFIC_KEYS: Array<keyof TrafficOptions> = ['timeout', 'max_concurrency', 'body_timeout', 'max_request_size'];

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
  const { timeout = base.timeout, max_concurrency = base.max_concurrency, body_timeout = base.body_timeout, max_request_size = base.max_request_size } = t;
  if (max_request_size !== undefined && !(wholeAtLeastOne(where, 'traffic.max_request_size', max_request_size) <= MAX_REQUEST_SIZE_LIMIT)) {
    throw configError(where, 'traffic.max_request_size', `must be at most ${MAX_REQUEST_SIZE_LIMIT} bytes (256 MiB), not ${show(max_request_size)}`);
  }
  return {
    timeout: positive(where, 'traffic.timeout', timeout, 'seconds', Math.floor(MAX_TIMER_MS / 1000)),
    max_concurrency: wholeAtLeastOne(where, 'traffic.max_concurrency', max_concurrency),
    ...(body_timeout === undefined ? {} : { body_timeout: positive(where, 'traffic.body_timeout', body_timeout, 'seconds', 3600) }),
    ...(max_request_size === undefined ? {} : { max_request_size: max_request_size as number }),
  };
}

/** The drift tests an API may choose (see runtime/monitoring/drift.ts); `auto` picks by reference size. */
export const STAT_TESTS = ['ks', 'wasserstein', 'jensenshannon', 'psi'] as const;
export type StatTest = (typeof STAT_TESTS)[number];

/** The opt-in payload log: requests and predictions as JSON lines, sampled, rotated by size. */
export interface PayloadLogOptions {
  /** Folder of `<api>.jsonl` (rotated to `<api>.1.jsonl`, …), relative to the working directory. */
  dir: string;
  /** Share of requests logged (0 < r ≤ 1). */
  sample_rate: number;
  /** Size in bytes past which the file is rotated. */
  max_file_bytes: number;
  /** Rotated files kept besides the current one. */
  max_files: number;
  /** Lines waiting to be written; past it new lines are dropped and counted (`payload_log_dropped_total`). */
  queue_size: number;
}

/** Drift and data quality of an API's traffic against its model's reference (`monitoring` in `api()`). */
export interface MonitoringOptions {
  enabled: boolean;
  /** Records in the sliding window (the last N across all workers). */
  window: number;
  /** `auto`: KS p-value while the reference has ≤ 1000 rows, else normed Wasserstein distance. */
  stat_test: 'auto' | StatTest;
  /** Distance at or above which a feature drifted (wasserstein, jensenshannon, psi). */
  stat_threshold: number;
  /** p-value below which a feature drifted (ks). */
  p_threshold: number;
  /** Share of drifted features at or above which the dataset drifted. */
  drift_share: number;
  /** Off (false) unless set: `true` for the defaults, or some of its settings. */
  payload_log: PayloadLogOptions | false;
}

export type MonitoringInput = Partial<Omit<MonitoringOptions, 'payload_log'>> & { payload_log?: boolean | Partial<PayloadLogOptions> };

export const DEFAULT_PAYLOAD_LOG: Readonly<PayloadLogOptions> = Object.freeze({ dir: 'logs/payload', sample_rate: 1, max_file_bytes: 10 * 1024 * 1024, max_files: 5, queue_size: 1000 });
export const DEFAULT_MONITORING: Readonly<MonitoringOptions> = Object.freeze({
  enabled: true,
  window: 500,
  stat_test: 'auto',
  stat_threshold: 0.1,
  p_threshold: 0.05,
  drift_share: 0.5,
  payload_log: false,
});

/** Largest window: its rows travel between workers at every scrape. */
const MAX_WINDOW = 100_000;

function share(where: string, key: string, v: unknown, openZero: boolean): number {
  if (typeof v !== 'number' || !(openZero ? v > 0 : v >= 0) || v > 1) throw configError(where, key, `must be a number ${openZero ? '>' : '≥'} 0 and ≤ 1, not ${show(v)}`);
  return v;
}

function resolvePayloadLog(given: unknown, where: string): PayloadLogOptions | false {
  if (given === undefined || given === false) return false;
  if (given === true) return { ...DEFAULT_PAYLOAD_LOG };
  const p = mapping(where, 'monitoring.payload_log', given);
  checkKnownKeys(p, Object.keys(DEFAULT_PAYLOAD_LOG), where, 'monitoring.payload_log.');
  const d = { ...DEFAULT_PAYLOAD_LOG, ...p };
  if (typeof d.dir !== 'string' || d.dir === '') throw configError(where, 'monitoring.payload_log.dir', `must be a folder path, not ${show(d.dir)}`);
  return {
    dir: d.dir,
    sample_rate: share(where, 'monitoring.payload_log.sample_rate', d.sample_rate, true),
    max_file_bytes: wholeAtLeastOne(where, 'monitoring.payload_log.max_file_bytes', d.max_file_bytes),
    max_files: wholeAtLeastOne(where, 'monitoring.payload_log.max_files', d.max_files),
    queue_size: wholeAtLeastOne(where, 'monitoring.payload_log.queue_size', d.queue_size),
  };
}

/**
 * One API's monitoring settings: `given` (a `monitoring` mapping; unknown keys are errors) over the defaults, checked.
 *
 * @example
 *   resolveMonitoring({ window: 1000, payload_log: { dir: 'logs', sample_rate: 0.1 } }, 'service "s", api "predict"')
 */
export function resolveMonitoring(given: unknown, where: string): MonitoringOptions {
  const m = mapping(where, 'monitoring', given);
  checkKnownKeys(m, Object.keys(DEFAULT_MONITORING), where, 'monitoring.');
  const d = { ...DEFAULT_MONITORING, ...m };
  if (typeof d.enabled !== 'boolean') throw configError(where, 'monitoring.enabled', `must be true or false, not ${show(d.enabled)}`);
  if (d.stat_test !== 'auto' && !(STAT_TESTS as readonly unknown[]).includes(d.stat_test)) {
    throw configError(where, 'monitoring.stat_test', `must be auto, ${STAT_TESTS.join(', ')}, not ${show(d.stat_test)}`);
  }
  if (typeof d.stat_threshold !== 'number' || !(d.stat_threshold > 0) || !Number.isFinite(d.stat_threshold)) {
    throw configError(where, 'monitoring.stat_threshold', `must be a number > 0, not ${show(d.stat_threshold)}`);
  }
  const window = wholeAtLeastOne(where, 'monitoring.window', d.window);
  if (window > MAX_WINDOW) throw configError(where, 'monitoring.window', `must be at most ${MAX_WINDOW} records, not ${window}`);
  return {
    enabled: d.enabled,
    window,
    stat_test: d.stat_test as MonitoringOptions['stat_test'],
    stat_threshold: d.stat_threshold,
    p_threshold: share(where, 'monitoring.p_threshold', d.p_threshold, true),
    drift_share: share(where, 'monitoring.drift_share', d.drift_share, true),
    payload_log: resolvePayloadLog(d.payload_log, where),
  };
}
