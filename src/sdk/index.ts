/**
 * The service SDK: `service()` and `api()` return plain data describing a service (BentoML's
 * `@bentoml.service` / `@bentoml.api`). They declare and never run anything, so `bento build` can read a
 * service without serving it; the runtime (`src/runtime/`) interprets the description.
 *
 * @example
 *   export const svc = service({
 *     name: 'activities_model',
 *     models: { regressor: 'activities_regressor:latest' },
 *     apis: { predict: api({ route: '/predict', input, output, batchable: true, preprocess }) },
 *   });
 */
import type { ModelInfo } from '../models/model-info.js';

/** A JSON Schema (draft 2020-12 subset that ajv and OpenAPI 3.1 both understand). */
export type JSONSchema = Record<string, unknown>;

/** What an API's code sees of a model at serving time. */
export interface ModelHandle {
  info: ModelInfo;
}

export interface ApiContext {
  /** The service's models by their alias in `service({ models })`. */
  models: Record<string, ModelHandle>;
}

/** The rows one request contributes to a batch: `count` rows of `width` float32 features, row-major. */
export interface Rows {
  data: Float32Array;
  count: number;
  width: number;
}

export interface BatchingOptions {
  /** Merge concurrent requests into one model call. */
  batchable: boolean;
  /** Most rows in one model call; a larger request is split across batches. */
  max_batch_size: number;
  /** Latency budget of a request in the batcher: past it the request is shed with 503. */
  max_latency_ms: number;
}

export interface ApiOptions<In = unknown, Out = unknown> extends Partial<BatchingOptions> {
  /** HTTP route, e.g. "/predict". Defaults to "/<api name>". */
  route?: string;
  /** JSON Schema the request body is validated against (before any code runs). */
  input: JSONSchema;
  /** JSON Schema of the response body. */
  output: JSONSchema;
  /** Alias of the model this API runs (a key of the service's `models`). Defaults to the only model. */
  model?: string;
  /** Short description for the OpenAPI docs. */
  doc?: string;
  /** Turns one validated request body into model rows. Throw BentoError('INVALID_INPUT') for bad records. */
  preprocess(body: In, ctx: ApiContext): Rows;
  /** Turns the model's outputs for this request (one per row, in order) into the response body. */
  postprocess?(outputs: Float32Array, body: In, ctx: ApiContext): Out;
}

export interface ApiDefinition<In = unknown, Out = unknown>
  extends Omit<ApiOptions<In, Out>, 'route' | 'model' | keyof BatchingOptions>,
    BatchingOptions {
  route: string;
  model: string;
}

export interface TrafficOptions {
  /** Seconds a request may take in total before it is answered 504. */
  timeout: number;
  /** Requests in flight per worker before new ones are answered 429. */
  max_concurrency: number;
}

export interface ServiceOptions {
  name: string;
  /** Models by alias → store tag, e.g. { regressor: 'activities_regressor:latest' }. */
  models: Record<string, string>;
  apis: Record<string, ApiOptions<any, any>>;
  traffic?: Partial<TrafficOptions>;
  description?: string;
}

export interface ServiceDefinition {
  kind: 'bento-ts.service';
  name: string;
  models: Record<string, string>;
  apis: Record<string, ApiDefinition<any, any>>;
  traffic: TrafficOptions;
  description?: string;
}

export const DEFAULT_BATCHING: BatchingOptions = { batchable: false, max_batch_size: 100, max_latency_ms: 1000 };
export const DEFAULT_TRAFFIC: TrafficOptions = { timeout: 60, max_concurrency: 1000 };

const NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;

/** Declares one API of a service. */
export function api<In, Out>(options: ApiOptions<In, Out>): ApiOptions<In, Out> {
  return options;
}

/** Declares a service; checks the declaration's shape and fills defaults. */
export function service(options: ServiceOptions): ServiceDefinition {
  if (!NAME.test(options.name)) throw new TypeError(`service name "${options.name}" must be lowercase letters, digits, ".", "_" or "-"`);
  const aliases = Object.keys(options.models);
  const apis: Record<string, ApiDefinition<any, any>> = {};
  const routes = new Set<string>();
  for (const [name, a] of Object.entries(options.apis)) {
    const route = a.route ?? `/${name}`;
    if (!route.startsWith('/')) throw new TypeError(`api "${name}": route "${route}" must start with "/"`);
    if (routes.has(route)) throw new TypeError(`api "${name}": route "${route}" is declared twice`);
    routes.add(route);
    const model = a.model ?? (aliases.length === 1 ? aliases[0]! : '');
    if (!options.models[model]) throw new TypeError(`api "${name}": model "${a.model ?? ''}" is not one of the service's models (${aliases.join(', ')})`);
    const def: ApiDefinition<any, any> = { ...DEFAULT_BATCHING, ...a, route, model };
    if (!Number.isInteger(def.max_batch_size) || def.max_batch_size < 1) throw new TypeError(`api "${name}": max_batch_size must be a whole number ≥ 1`);
    if (!(def.max_latency_ms > 0)) throw new TypeError(`api "${name}": max_latency_ms must be > 0`);
    apis[name] = def;
  }
  return {
    kind: 'bento-ts.service',
    name: options.name,
    models: { ...options.models },
    apis,
    traffic: { ...DEFAULT_TRAFFIC, ...options.traffic },
    ...(options.description ? { description: options.description } : {}),
  };
}

export function isServiceDefinition(x: unknown): x is ServiceDefinition {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'bento-ts.service';
}
