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
/** What a handler throws for a bad body (`INVALID_INPUT` → 400 with its details). */
export { BentoError, type ErrorDetail } from '../errors.js';

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

/** What every API declares, whichever its form. */
interface ApiCommonOptions extends Partial<BatchingOptions> {
  /** HTTP route, e.g. "/predict". Defaults to "/<api name>". */
  route?: string;
  /** JSON Schema the request body is validated against (before any code runs). */
  input: JSONSchema;
  /** JSON Schema of the response body (serialises the answer, and shows in the OpenAPI document). */
  output: JSONSchema;
  /** Short description for the OpenAPI docs. */
  doc?: string;
}

/**
 * The declarative rows API: each request becomes float32 rows of one model, batched across requests, one
 * output per row.
 */
export interface RowsApiOptions<In = unknown, Out = unknown> extends ApiCommonOptions {
  /** Alias of the model this API runs (a key of the service's `models`). Defaults to the only model. */
  model?: string;
  /** Turns one validated request body into model rows. Throw BentoError('INVALID_INPUT') for bad records. */
  preprocess(body: In, ctx: ApiContext): Rows;
  /** Turns the model's outputs for this request (one per row, in order) into the response body. */
  postprocess?(outputs: Float32Array, body: In, ctx: ApiContext): Out;
  /** Drift and data quality of the traffic, and the opt-in payload log (default: on, window 500, no payload log). */
  monitoring?: MonitoringInput;
}

/**
 * An API with code of its own: `handler` receives the validated body and the models, and answers any
 * JSON-serialisable value. With `batchable: true` (BentoML's `batchable=True`) the body is a JSON array:
 * the handler receives the items of several requests joined, and returns one answer per item, in order.
 * Throw BentoError('INVALID_INPUT') for a bad body (400); any other throw is a 500 without its stack.
 *
 * @example
 *   api({ input, output, handler: async (flowers: Flower[], ctx) => {
 *     const out = await ctx.models.classifier.run({ input: flowers.map((f) => [f.sepal, f.petal]) });
 *     return labelsOf(out);
 *   } })
 */
export interface HandlerApiOptions<In = unknown, Out = unknown> extends ApiCommonOptions {
  /** The model recorded as this API's in bento.yaml (default: the service's first); the handler may call any. */
  model?: string;
  handler(body: In, ctx: ApiContext): Out | Promise<Out>;
}

/** One API: the declarative rows form (`preprocess`) or the handler form (`handler`), exactly one of them. */
export type ApiOptions<In = unknown, Out = unknown> = RowsApiOptions<In, Out> | HandlerApiOptions<In, Out>;

/** A rows API as service() resolved it. */
export interface ApiDefinition<In = unknown, Out = unknown>
  extends Omit<RowsApiOptions<In, Out>, 'route' | 'model' | 'monitoring' | keyof BatchingOptions>,
    BatchingOptions {
  kind: 'rows';
  monitoring: MonitoringOptions;
  route: string;
  model: string;
}

/** A handler API as service() resolved it. */
export interface HandlerApiDefinition<In = unknown, Out = unknown>
  extends Omit<HandlerApiOptions<In, Out>, 'route' | 'model' | keyof BatchingOptions>,
    BatchingOptions {
  kind: 'handler';
  /** Always disabled: drift is watched on model rows, which a handler's body is not. */
  monitoring: MonitoringOptions;
  route: string;
  model: string;
}

/** Any resolved API. */
export type AnyApiDefinition<In = unknown, Out = unknown> = ApiDefinition<In, Out> | HandlerApiDefinition<In, Out>;

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
export type ResolvedApis<A extends ApiDeclarations> = { [K in keyof A]: ResolvedApi<A[K]> };

/** One declared API as resolved (distributes over a union of forms). */
export type ResolvedApi<T> = T extends HandlerApiOptions<infer In, infer Out> ? HandlerApiDefinition<In, Out> : T extends RowsApiOptions<infer In, infer Out> ? ApiDefinition<In, Out> : never;

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
// `kind` and a handler's `monitoring` are what service() adds: a resolved API may be declared again.
const API_KEYS = ['route', 'input', 'output', 'model', 'doc', 'preprocess', 'postprocess', 'monitoring', 'kind', ...BATCHING_KEYS];
const HANDLER_API_KEYS = ['route', 'input', 'output', 'model', 'doc', 'handler', 'monitoring', 'kind', ...BATCHING_KEYS];

/** Declares one API of a service: a handler API (`handler`) or a rows API (`preprocess`). */
export function api<In, Out>(options: HandlerApiOptions<In, Out>): HandlerApiOptions<In, Out>;
export function api<In, Out>(options: RowsApiOptions<In, Out>): RowsApiOptions<In, Out>;
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
  const apis: Record<string, AnyApiDefinition<any, any>> = {};
  const routes = new Set<string>();
  for (const [apiName, a] of Object.entries(options.apis)) {
    const at = `${where}, api "${apiName}"`;
    if (!a || typeof a !== 'object') throw configError(at, 'api', 'must be an api() declaration');
    const isHandler = 'handler' in a && a.handler !== undefined;
    const isRows = 'preprocess' in a && a.preprocess !== undefined;
    if (isHandler && isRows) throw configError(at, 'handler', 'and preprocess are both given: declare exactly one of them (a handler API or a rows API)');
    if (!isHandler && !isRows) {
      if ('preprocess' in a) throw configError(at, 'preprocess', 'must be a function');
      throw configError(at, 'handler', 'or preprocess must be given: a handler API (handler) or a rows API (preprocess)');
    }
    checkKnownKeys(a, isHandler ? HANDLER_API_KEYS : API_KEYS, at);
    const kind = (a as { kind?: unknown }).kind;
    if (kind !== undefined && kind !== (isHandler ? 'handler' : 'rows')) throw configError(at, 'kind', `is ${JSON.stringify(kind)} but the API declares ${isHandler ? 'handler' : 'preprocess'}`);
    const monitoring = (a as { monitoring?: { enabled?: unknown } }).monitoring;
    if (isHandler && monitoring !== undefined && monitoring?.enabled !== false) throw configError(at, 'monitoring', 'is for rows APIs (drift is watched on model rows); a handler API is not monitored');
    const route = a.route ?? `/${apiName}`;
    if (typeof route !== 'string' || !route.startsWith('/')) throw configError(at, 'route', `must start with "/", not ${JSON.stringify(route)}`);
    if (route === '/v2' || route.startsWith('/v2/')) throw configError(at, 'route', `"${route}" is under /v2, which the Open Inference Protocol serves`);
    if (routes.has(route)) throw configError(at, 'route', `"${route}" is declared twice`);
    routes.add(route);
    const model = a.model ?? (aliases.length === 1 || (isHandler && aliases.length > 0) ? aliases[0]! : '');
    if (!Object.hasOwn(options.models, model)) {
      throw configError(at, 'model', `"${a.model ?? ''}" is not one of the service's models (${aliases.join(', ') || 'none'})`);
    }
    for (const key of ['input', 'output'] as const) {
      if (!a[key] || typeof a[key] !== 'object') throw configError(at, key, 'must be a JSON Schema object');
    }
    const settings = resolveApiSettings(a, at);
    if (isHandler) {
      const h = a as HandlerApiOptions<unknown, unknown>;
      if (typeof h.handler !== 'function') throw configError(at, 'handler', 'must be a function');
      // The body is a list whose items are batched; a schema that is not a list could not be split.
      if (settings.batchable && (h.input as { type?: unknown }).type !== 'array') throw configError(at, 'input', 'must be an array schema ({ type: "array", items }) when batchable');
      if (settings.batchable && (h.output as { type?: unknown }).type !== 'array') throw configError(at, 'output', 'must be an array schema ({ type: "array", items }) when batchable');
      apis[apiName] = { ...h, ...settings, kind: 'handler', route, model, monitoring: resolveMonitoring({ enabled: false }, at) };
      continue;
    }
    const r = a as RowsApiOptions<unknown, unknown>;
    if (typeof r.preprocess !== 'function') throw configError(at, 'preprocess', 'must be a function');
    if (r.postprocess !== undefined && typeof r.postprocess !== 'function') throw configError(at, 'postprocess', 'must be a function');
    apis[apiName] = { ...r, ...settings, kind: 'rows', route, model, monitoring: resolveMonitoring(r.monitoring, at) };
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
