/**
 * The golden-sample check a promotion runs on each new worker before it takes traffic: requests made of
 * inputs recorded with the model — the rows of its training sample that model.yaml keeps for drift
 * monitoring (`reference`, whole records), else the API's own `examples` — go through the worker's real
 * routes (Fastify's inject: validation, preprocessing, batching, onnxruntime, serialisation), and every
 * answer must be a 200 holding finite numbers only, one per record. Optionally the answers must also stay
 * within a tolerance of the old model's answers to the same requests.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ModelInfo } from '../../models/model-info.js';
import type { JSONSchema, ServiceDefinition } from '../../sdk/index.js';

/** One request of the check. `rows`: the records it holds when the answer must have one number per record. */
export interface GoldenSample {
  route: string;
  body: unknown;
  rows?: number;
}

/** What a worker answers: the flattened numbers of every answer, in order, or why the check failed. */
export interface GoldenResult {
  ok: boolean;
  reason?: string;
  samples: GoldenSample[];
  outputs: number[][];
}

/** Records per sample: enough rows to exercise every tree, little enough to take milliseconds. */
const MAX_RECORDS = 32;

function isRecordsSchema(schema: JSONSchema): boolean {
  const items = schema.items as JSONSchema | undefined;
  return schema.type === 'array' && items !== undefined && (items.type === 'object' || typeof items.properties === 'object');
}

/** Whole records from the model's reference sample (the same rows for every feature, see pipeline/reference.ts). */
function referenceRecords(info: ModelInfo, max: number): Array<Record<string, number>> | undefined {
  const ref = info.reference;
  if (!ref || info.features.length === 0) return undefined;
  const columns = info.features.map((f) => ref[f]?.sample);
  if (columns.some((c) => !c || c.length === 0)) return undefined;
  const n = Math.min(max, ...columns.map((c) => c!.length));
  return Array.from({ length: n }, (_, i) => Object.fromEntries(info.features.map((f, j) => [f, columns[j]![i]!])));
}

/**
 * The check's requests for a service and its models: per API, records from its model's reference sample
 * when the API takes an array of records, else the first of the input schema's `examples`; an API with
 * neither is not checked.
 */
export function goldenSamples(service: ServiceDefinition, models: Record<string, { info: ModelInfo }>, max = MAX_RECORDS): GoldenSample[] {
  const out: GoldenSample[] = [];
  for (const api of Object.values(service.apis)) {
    const input = api.input as JSONSchema;
    const info = models[api.model]?.info;
    // A rows API (preprocess) turns records into its model's rows: the model's recorded rows fit it.
    const rowsApi = typeof (api as { preprocess?: unknown }).preprocess === 'function';
    const records = rowsApi && isRecordsSchema(input) && info ? referenceRecords(info, max) : undefined;
    if (records) {
      out.push({ route: api.route, body: records, rows: records.length });
      continue;
    }
    const examples = input.examples;
    if (Array.isArray(examples) && examples.length > 0) {
      const body = examples[0];
      out.push({ route: api.route, body, ...(Array.isArray(body) && isRecordsSchema(input) ? { rows: body.length } : {}) });
    }
  }
  return out;
}

/** Every number in an answer, in order; a null or a non-number where numbers are expected is reported. */
function numbersOf(value: unknown, into: number[]): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `a non-finite number (${value})`;
    into.push(value);
    return undefined;
  }
  if (value === null) return 'null (a NaN or an infinity once serialised)';
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = numbersOf(v, into);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    for (const v of Object.values(value as Record<string, unknown>)) {
      const bad = numbersOf(v, into);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** One sample through the server's own routes (no socket); `id` names the requests in the log. */
function send(app: FastifyInstance, s: GoldenSample, id: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: s.route, payload: JSON.stringify(s.body), headers: { 'content-type': 'application/json', 'x-request-id': id } });
}

/** Sends each sample through the server's own routes (no socket) and checks the answers. */
export async function runGolden(app: FastifyInstance, samples: GoldenSample[]): Promise<GoldenResult> {
  const outputs: number[][] = [];
  const fail = (reason: string): GoldenResult => ({ ok: false, reason, samples, outputs });
  for (const s of samples) {
    let res;
    try {
      res = await send(app, s, 'golden-check');
    } catch (err) {
      return fail(`POST ${s.route}: ${(err as Error).message}`);
    }
    if (res.statusCode !== 200) return fail(`POST ${s.route} with recorded inputs answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    let answer: unknown;
    try {
      answer = JSON.parse(res.body);
    } catch {
      return fail(`POST ${s.route} answered something that is not JSON`);
    }
    const numbers: number[] = [];
    const bad = numbersOf(answer, numbers);
    if (bad) return fail(`POST ${s.route} with recorded inputs answered ${bad}`);
    if (s.rows !== undefined && (!Array.isArray(answer) || answer.length !== s.rows)) {
      return fail(`POST ${s.route} answered ${Array.isArray(answer) ? answer.length : 'no array of'} answers for ${s.rows} records`);
    }
    outputs.push(numbers);
  }
  return { ok: true, samples, outputs };
}

/**
 * How far the new answers are from the old: the mean absolute difference over the mean absolute old
 * answer (0 when equal); undefined when the answers do not line up (another shape: not comparable).
 */
export function relativeChange(fresh: number[][], old: number[][]): number | undefined {
  if (fresh.length !== old.length) return undefined;
  let diff = 0;
  let base = 0;
  let n = 0;
  for (let i = 0; i < fresh.length; i++) {
    const a = fresh[i]!;
    const b = old[i]!;
    if (a.length !== b.length) return undefined;
    for (let k = 0; k < a.length; k++) {
      diff += Math.abs(a[k]! - b[k]!);
      base += Math.abs(b[k]!);
      n++;
    }
  }
  if (n === 0) return 0;
  return diff === 0 ? 0 : diff / Math.max(base, Number.EPSILON);
}

/**
 * Runs the samples again for a while, two at a time, before the worker takes traffic: a fresh process
 * answers its first requests slowly (V8 has not compiled the request path yet, the batcher's cost model has
 * seen only the start-up calls), and clients moved over all at once would see it shed some as overloaded.
 * Then a quiet moment: should the warm-up have run late (a busy machine), the admission limit it lowered
 * climbs back in calm intervals (admission.ts) before traffic arrives.
 */
export async function warmUp(app: FastifyInstance, samples: GoldenSample[], ms = 300, parallel = 2, quietMs = 400): Promise<void> {
  if (samples.length === 0) return;
  const until = Date.now() + ms;
  let i = 0;
  const lane = async (): Promise<void> => {
    while (Date.now() < until) {
      const s = samples[i++ % samples.length]!;
      await send(app, s, 'warm-up').catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  await new Promise((resolve) => setTimeout(resolve, quietMs));
}
