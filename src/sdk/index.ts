/**
 * The service SDK: `service()` and `api()` return plain data describing a service (BentoML's
 * `@bentoml.service` / `@bentoml.api`). They declare and never run anything, so `bento build` can read a
 * service without serving it; the runtime (`src/runtime/`) interprets the description.
 *
 * @example
 *   export const svc = service({
 *     name: 'houses_model',
 *     models: { regressor: 'houses_regressor:latest' },
 *     apis: { predict: api({ route: '/predict', input, output, batchable: true, preprocess }) },
 *   });
 */
import type { ModelInfo } from '../models/model-info.js';
import type { Feed, ModelOutput } from '../onnx/tensors.js';
import { BATCHING_KEYS, checkKnownKeys, configError, resolveApiSettings, resolveMonitoring, resolveTraffic, type BatchingOptions, type MonitoringInput, type MonitoringOptions, type TrafficOptions } from './settings.js';

export {
  BATCHING_KEYS,
  DEFAULT_BATCHING,
  DEFAULT_TRAFFIC,
  DEFAULT_BODY_TIMEOUT,
  resolveApiSettings,
  DEFAULT_MONITORING,
  DEFAULT_PAYLOAD_LOG,
  resolveMonitoring,
  STAT_TESTS,
  type MonitoringInput,
  type MonitoringOptions,
  type PayloadLogOptions,
  type StatTest,
  resolveTraffic,
  type BatchingOptions,
  type TrafficOptions,
} from './settings.js';

/** A JSON Schema (draft 2020-12 subset that ajv and OpenAPI 3.1 both understand). */
export type JSONSchema = Record<string, unknown>;

export type { Feed, ModelOutput, NestedArray, TensorData, TensorType, TensorValue } from '../onnx/tensors.js';

/** What an API's code sees of a model at serving time. */
export interface ModelHandle {
  info: ModelInfo;
  /**
   * Runs the model on named inputs and answers the requested outputs (default: all) by name. Inputs are
   * checked against the model's signature (names, element types, ranks, fixed dimensions): a mismatch is
   * INVALID_INPUT naming the input.
   *
   * @example
   *   const out = await ctx.models.classifier.run({ input: [[5.1, 3.5, 1.4, 0.2]] });
   *   const labels = Array.from((out.label as TensorValue).data as BigInt64Array, Number);
   */
  run(feeds: Record<string, Feed>, outputs?: string[]): Promise<Record<string, ModelOutput>>;
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
  /** Drift and data quality of the traffic, and the opt-in payload log (default: on, window 500, no payload log). */
  monitoring?: MonitoringInput;
}

export interface ApiDefinition<In = unknown, Out = unknown>
  extends Omit<ApiOptions<In, Out>, 'route' | 'model' | 'monitoring' | keyof BatchingOptions>,
    BatchingOptions {
  monitoring: MonitoringOptions;
  route: string;
  model: string;
}

export interface ServiceOptions {
  name: string;
  /** Models by alias → store tag, e.g. { regressor: 'houses_regressor:latest' }. */
  models: Record<string, string>;
  apis: Record<string, ApiOptions<any, any>>;
  traffic?: Partial<TrafficOptions>;
  description?: string;
}

/** The declared APIs of a service, by name (what `service({ apis })` was given). */
export type ApiDeclarations = Record<string, ApiOptions<any, any>>;

/** Each declared API as resolved by service(), keeping its input and output types (for typed clients). */
export type ResolvedApis<A extends ApiDeclarations> = { [K in keyof A]: A[K] extends ApiOptions<infer In, infer Out> ? ApiDefinition<In, Out> : never };

export interface ServiceDefinition<A extends ApiDeclarations = ApiDeclarations> {
  kind: 'bento-ts.service';
  name: string;
  models: Record<string, string>;
  apis: ResolvedApis<A>;
  traffic: TrafficOptions;
  description?: string;
}

const NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
const SERVICE_KEYS = ['name', 'models', 'apis', 'traffic', 'description'];
const API_KEYS = ['route', 'input', 'output', 'model', 'doc', 'preprocess', 'postprocess', 'monitoring', ...BATCHING_KEYS];

/** Declares one API of a service. */
export function api<In, Out>(options: ApiOptions<In, Out>): ApiOptions<In, Out> {
  return options;
}

/**
 * Declares a service: the one place its settings are filled with defaults and checked. A mistake is
 * BAD_CONFIG naming the service, the API and the key.
 */
export function service<A extends ApiDeclarations>(options: ServiceOptions & { apis: A }): ServiceDefinition<A> {
  const name = (options as { name?: unknown }).name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw configError('service()', 'name', `must be lowercase letters, digits, ".", "_" or "-", not ${JSON.stringify(name)}`);
  }
  const where = `service "${name}"`;
  checkKnownKeys(options, SERVICE_KEYS, where);
  const models = options.models as unknown;
  if (!models || typeof models !== 'object' || Array.isArray(models)) throw configError(where, 'models', 'must map aliases to model tags');
  for (const [alias, tag] of Object.entries(models)) {
    if (typeof tag !== 'string' || !tag) throw configError(where, `models.${alias}`, `must be a model tag, not ${JSON.stringify(tag)}`);
  }
  const aliases = Object.keys(options.models);
  if (!options.apis || typeof options.apis !== 'object') throw configError(where, 'apis', 'must map API names to api() declarations');
  const apis: Record<string, ApiDefinition<any, any>> = {};
  const routes = new Set<string>();
  for (const [apiName, a] of Object.entries(options.apis)) {
    const at = `${where}, api "${apiName}"`;
    checkKnownKeys(a, API_KEYS, at);
    const route = a.route ?? `/${apiName}`;
    if (typeof route !== 'string' || !route.startsWith('/')) throw configError(at, 'route', `must start with "/", not ${JSON.stringify(route)}`);
    if (routes.has(route)) throw configError(at, 'route', `"${route}" is declared twice`);
    routes.add(route);
    const model = a.model ?? (aliases.length === 1 ? aliases[0]! : '');
    if (!Object.hasOwn(options.models, model)) {
      throw configError(at, 'model', `"${a.model ?? ''}" is not one of the service's models (${aliases.join(', ') || 'none'})`);
    }
    for (const key of ['input', 'output'] as const) {
      if (!a[key] || typeof a[key] !== 'object') throw configError(at, key, 'must be a JSON Schema object');
    }
    if (typeof a.preprocess !== 'function') throw configError(at, 'preprocess', 'must be a function');
    if (a.postprocess !== undefined && typeof a.postprocess !== 'function') throw configError(at, 'postprocess', 'must be a function');
    apis[apiName] = { ...a, ...resolveApiSettings(a, at), route, model, monitoring: resolveMonitoring(a.monitoring, at) };
  }
  return {
    kind: 'bento-ts.service',
    name,
    models: { ...options.models },
    apis: apis as ResolvedApis<A>, // one entry per declared API, built above
    traffic: resolveTraffic(options.traffic, where),
    ...(options.description ? { description: options.description } : {}),
  };
}

export function isServiceDefinition(x: unknown): x is ServiceDefinition {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'bento-ts.service';
}
