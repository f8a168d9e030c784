/**
 * `createServer`: builds the Fastify app of a service — API routes, health, metrics, docs — and loads the
 * models in the background; `/readyz` turns 200 once they are loaded and warmed.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { BentoError } from '../errors.js';
import { type ApiContext, type ModelHandle, type Rows, type ServiceDefinition } from '../sdk/index.js';
import type { ModelInfo } from '../models/model-info.js';
import { loadOnnxRuntime, loadSession, type Ort, type Session } from '../onnx/session.js';
import { Admission } from './batching/admission.js';
import { registerApiRoute } from './http/api-route.js';
import { handlerBatching, registerHandlerRoute } from './http/handler-route.js';
import { registerV2Routes, V2_BATCHING } from './http/v2/routes.js';
import { Batcher } from './batching/batcher.js';
import type { Cancellation } from './batching/cancellation.js';
import { clusterScrape, shareWindows } from './cluster/cluster-metrics.js';
import { Monitor } from './monitoring/monitor.js';
import { registerDocs } from './http/docs.js';
import { Readiness, registerHealthRoutes } from './http/health.js';
import { installErrorHandling } from './http/http-errors.js';
import { lazyChildLogger } from './http/lazy-logger.js';
import { ServiceMetrics, UNKNOWN_ENDPOINT } from './http/metrics.js';
import { Traffic } from './batching/traffic.js';
import { compileSchema, createAjv } from './http/validation.js';
import { installJsonParser, jsonLimitsFor } from './http/json-body.js';
import { installCsvParser } from './http/csv-body.js';
import { answeredRaw, installExpectHandling, timeOutArriving, makeClientErrorHandler, PACE_MS, type RawAnswersOptions } from './http/raw-answers.js';
import { requestId } from './http/request-id.js';
import { DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_REQUEST_SIZE, DEFAULT_MONITORING } from '../sdk/settings.js';

export interface ServerOptions {
  service: ServiceDefinition;
  /** Every model of the service by alias: its model.yaml and where its model.onnx is. */
  models: Record<string, { info: ModelInfo; onnxPath: string }>;
  /** Service version, for the `service_version` label and the docs (the bento version, or "dev"). */
  version: string;
  /** false (default), true, or pino options. */
  logger?: boolean | object;
  /** An onnxruntime-node module to use instead of loading one (tests inject fakes). */
  onnxruntime?: Ort;
  /** Bento folder, to load onnxruntime-node from its env/ and check `onnxruntimeVersion`. */
  bentoDir?: string;
  onnxruntimeVersion?: string;
  /** Threads inside one model call (default 1). */
  intraOpNumThreads?: number;
  /** Most bytes of a request body (default: the service's traffic.max_request_size, else 10 MiB); larger ones are answered 413. */
  bodyLimit?: number;
  /** Swagger UI's static files (see docs.ts). */
  swaggerUiDir?: string;
  /** In a cluster worker: `/metrics` answers the sum over every worker. */
  clusterMetrics?: boolean;
}

/** What the runtime adds to the Fastify instance. */
export interface BentoRuntime {
  readiness: Readiness;
  metrics: ServiceMetrics;
  /** Drift and data quality of the APIs' traffic (computed when /metrics is scraped). */
  monitor: Monitor;
  /** Settles once the models are loaded and warmed (rejects if they cannot be). */
  loaded: Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    bento: BentoRuntime;
  }
}

/**
 * @example
 *   const app = await createServer({ service: svc, models: { regressor: { info, onnxPath } }, version: 'dev' });
 *   await app.listen({ port: 3000 });
 *   await app.bento.loaded; // /readyz is 200 from here on
 */
export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const svc = opts.service;
  for (const alias of Object.keys(svc.models)) {
    if (!opts.models[alias]) throw new BentoError('BAD_CONFIG', `service "${svc.name}" needs model "${alias}" (${svc.models[alias]}) and none was given`);
  }
  const bodyLimit = opts.bodyLimit ?? svc.traffic.max_request_size ?? DEFAULT_MAX_REQUEST_SIZE;
  const apis = Object.entries(svc.apis);
  const metrics = new ServiceMetrics({
    service: svc.name,
    version: opts.version,
    apiRoutes: apis.map(([, a]) => a.route),
    maxBatchSize: Math.max(1, ...apis.map(([, a]) => a.max_batch_size)),
  });
  const readiness = new Readiness();
  const bodyTimeoutSeconds = svc.traffic.body_timeout ?? DEFAULT_BODY_TIMEOUT;
  const bodyTimeoutMs = Math.round(bodyTimeoutSeconds * 1000);
  const raw: RawAnswersOptions = {
    metrics,
    routes: new Set(apis.map(([, a]) => a.route)),
    bodyLimit,
    bodyTimeoutSeconds,
    stopping: () => readiness.state === 'stopping',
  };
  const clientError = makeClientErrorHandler(raw);
  const answeredFramework = new WeakSet<object>();
  const app = Fastify({
    // A request must arrive whole (headers and body) within traffic.body_timeout, else 408 and its
    // connection closed: a client trickling a body would otherwise hold its socket and memory for ever.
    // The deadlines are checked by timeOutArriving below, not by Node (see there why).
    requestTimeout: 0,
    http: { requestTimeout: 0, headersTimeout: 0 },
    clientErrorHandler: clientError,
    // A URL Fastify cannot decode ("/%zz"), or a path parameter too long: in the service's shape too.
    frameworkErrors: (err, request, reply) => {
      void reply.header('x-request-id', request.id);
      metrics.requestFinished(UNKNOWN_ENDPOINT, 400, 0);
      answeredFramework.add(reply.raw);
      return (reply as FastifyReply).code(400).send(new BentoError('BAD_REQUEST', `the request URL cannot be read: ${err.message}`).toJSON());
    },
    logger: opts.logger ?? false,
    // No per-request log lines (they would cost more than a prediction); errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    genReqId: requestId,
    childLoggerFactory: lazyChildLogger,
    // While draining, requests on open connections are still answered (and told to close the connection).
    return503OnClosing: false,
  });
  // Only JSON bodies: a text/plain body is answered 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  installJsonParser(app, jsonLimitsFor(bodyLimit));
  // CSV bodies, for the rows APIs that take a list of records (others answer them 415).
  installCsvParser(app, jsonLimitsFor(bodyLimit));
  installExpectHandling(app.server, raw);
  const deadlines = setInterval(() => timeOutArriving(app.server, bodyTimeoutMs, clientError, PACE_MS), Math.min(1000, Math.max(50, bodyTimeoutMs / 4)));
  deadlines.unref();
  const ajv = createAjv();
  app.setValidatorCompiler(({ schema }) => compileSchema(ajv, schema as Record<string, unknown>));
  installErrorHandling(app);

  const endpointOf = (req: FastifyRequest): string => (req.is404 ? UNKNOWN_ENDPOINT : req.routeOptions.url ?? UNKNOWN_ENDPOINT);
  app.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    const endpoint = endpointOf(req);
    metrics.requestStarted(endpoint);
    // 'close' comes once per response, answered or not (a client that goes away gets no onResponse).
    reply.raw.once('close', () => metrics.requestEnded(endpoint));
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    // Answered on the socket by Node's layer already (raw-answers.ts), and counted there.
    if (answeredRaw(reply.raw) || answeredFramework.has(reply.raw)) return done();
    metrics.requestFinished(endpointOf(req), reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  await registerDocs(app, { title: svc.name, version: opts.version, description: svc.description, swaggerUiDir: opts.swaggerUiDir });
  registerHealthRoutes(app, readiness);
  // Drift and data quality: each answered request feeds a window; the figures are computed at scrape time,
  // in a cluster on the windows of every worker merged by the primary.
  const monitor = new Monitor({ service: svc.name, version: opts.version, registry: metrics.registry, log: { warn: (m) => app.log.warn(m), error: (m) => app.log.error(m) } });
  if (opts.clusterMetrics) shareWindows(() => monitor.snapshots());
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    let text: string;
    if (opts.clusterMetrics) {
      const scrape = await clusterScrape();
      text = scrape.text + (await monitor.text(scrape.windows));
    } else {
      text = (await metrics.text()) + (await monitor.text());
    }
    return reply.type(metrics.contentType).send(text);
  });

  // Models: runners are filled in by the background load; routes answer NOT_READY until then.
  const runners: Record<string, Session> = {};
  const handles: Record<string, ModelHandle> = {};
  for (const [alias, m] of Object.entries(opts.models)) {
    handles[alias] = {
      info: m.info,
      run: async (feeds, outputs) => {
        const runner = runners[alias];
        if (!runner) throw readiness.error();
        const began = performance.now();
        const out = await runner.runFeeds(feeds, outputs);
        metrics.observeInference(alias, (performance.now() - began) / 1000);
        return out;
      },
    };
  }
  const ctx: ApiContext = { models: handles };
  const traffic = new Traffic(svc.traffic.timeout);
  // One admission per process: the APIs share its CPU.
  const admission = new Admission(svc.traffic.max_concurrency);
  const warmups: Array<() => Promise<void>> = [];

  for (const [name, def] of apis) {
    if (def.kind === 'handler') {
      const batching = def.batchable ? handlerBatching(name, def, ctx, (n) => metrics.observeBatch(def.route, n)) : undefined;
      registerHandlerRoute(app, { name, def, ctx, readiness, traffic, admission, bodyLimit, ...(batching ? { batching } : {}) });
      continue;
    }
    const alias = def.model;
    const width = opts.models[alias]!.info.features.length;
    // The model's own time, without the wait for the event loop: onnxruntime-node runs a session in a
    // setImmediate, so one scheduled just before it fires just before the run. Measured from the call,
    // a busy loop (other bodies being parsed) would count as model cost and shed requests for nothing.
    let computeMs = Number.NaN;
    let lagMs = 0;
    let lagAt = 0;
    const call = async (rows: Rows): Promise<Float32Array> => {
      const called = performance.now();
      let began = called;
      setImmediate(() => {
        began = performance.now();
        // A moving average that forgets with time (half-life ~140 ms): a lag seen before a quiet spell
        // says nothing about now.
        const keep = 0.8 * Math.exp((lagAt - began) / 200);
        lagMs = keep * lagMs + (1 - keep) * (began - called);
        lagAt = began;
      });
      const out = await runners[alias]!.run(rows.data, rows.count, rows.width);
      computeMs = performance.now() - began;
      metrics.observeInference(alias, computeMs / 1000);
      return out;
    };
    let infer: (rows: Rows, cancel: Cancellation, since: number, ownMs: number) => Promise<Float32Array>;
    let congested = (_budgetMs: number): boolean => false;
    let sizeBudgetMs = (_rows: number): number => 0;
    if (def.batchable) {
      const batcher = new Batcher(call, {
        maxBatchSize: def.max_batch_size,
        maxLatencyMs: def.max_latency_ms,
        onBatch: (n) => metrics.observeBatch(def.route, n),
        // The cost to learn is the model's own time; the event-loop lag (smoothed, and fading once no call
        // measures it) is each call's wait for the loop now, so a busy loop counts while it is busy and a
        // passing spike of it (a big body parsed, an upload attack) does not stay in the fit.
        costOf: (_rows, wallMs) => (Number.isFinite(computeMs) ? Math.min(wallMs, computeMs) : wallMs),
        waitPerCallMs: () => lagMs * Math.exp((lagAt - performance.now()) / 200),
      });
      infer = (rows, cancel, since, ownMs) => batcher.submit(rows, cancel, since, ownMs);
      sizeBudgetMs = (rows) => batcher.sizeBudgetMs(rows);
      congested = (budgetMs) => batcher.congested(budgetMs);
      // Warm-up: a first call absorbs onnxruntime's one-off set-up cost; then calls through the batcher
      // teach its cost model a small and a large call.
      warmups.push(async () => {
        await call(zeros(1, width));
        await batcher.submit(zeros(1, width));
        await batcher.submit(zeros(1, width));
        await batcher.submit(zeros(Math.min(def.max_batch_size, 256), width));
      });
    } else {
      infer = (rows) => call(rows);
      warmups.push(async () => void (await call(zeros(1, width))));
    }
    const observe = monitor.add(name, def.monitoring ?? DEFAULT_MONITORING, opts.models[alias]!.info, width);
    registerApiRoute(app, { name, def, ctx, readiness, traffic, admission, congested, width, infer, sizeBudgetMs, bodyLimit, observe });
  }

  // The Open Inference Protocol for every model; its infer batches as the model's batchable rows API does.
  registerV2Routes(app, {
    service: { name: svc.name, version: opts.version },
    models: Object.entries(opts.models).map(([alias, m]) => {
      const rows = apis.find(([, a]) => a.kind === 'rows' && a.batchable && a.model === alias)?.[1];
      return { alias, info: m.info, session: () => runners[alias], batching: rows ? { max_batch_size: rows.max_batch_size, max_latency_ms: rows.max_latency_ms } : V2_BATCHING };
    }),
    readiness,
    traffic,
    admission,
    bodyLimit,
    onBatch: (endpoint, n) => metrics.observeBatch(endpoint, n),
    onInference: (alias, seconds) => metrics.observeInference(alias, seconds),
  });

  const loaded = (async () => {
    const ort = opts.onnxruntime ?? (await loadOnnxRuntime({ bentoDir: opts.bentoDir, expectedVersion: opts.onnxruntimeVersion }));
    for (const [alias, m] of Object.entries(opts.models)) {
      runners[alias] = await loadSession(m.onnxPath, { onnxruntime: ort, intraOpNumThreads: opts.intraOpNumThreads ?? 1 });
    }
    for (const warm of warmups) await warm();
    // Models no rows API warms (those only handler APIs or the Open Inference Protocol call): one call on
    // zeros, so the first request does not pay onnxruntime's set-up.
    const warmedByRows = new Set(apis.filter(([, a]) => a.kind === 'rows').map(([, a]) => a.model));
    for (const [alias, runner] of Object.entries(runners)) if (!warmedByRows.has(alias)) await runner.warmUp();
    if (readiness.state === 'starting') readiness.state = 'ready';
  })();
  loaded.catch((err: unknown) => {
    readiness.state = 'failed';
    readiness.reason = (err as Error).message;
    app.log.error({ err }, `models failed to load: ${(err as Error).message}`);
  });
  // Draining: not ready any more; API answers say `connection: close` (api-route.ts), and connections
  // that turn idle are closed as they do, so the drain ends once the requests in flight are answered.
  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    readiness.state = 'stopping';
    // Requests still arriving will not be served: they are cut short (408 saying so, connection closed)
    // rather than waited for; closing the server stops Node's own timeout checks, so the sweep does it.
    sweeper = setInterval(() => {
      app.server.closeIdleConnections();
      timeOutArriving(app.server, 1, clientError);
    }, 50);
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearInterval(sweeper);
    clearInterval(deadlines);
    admission.stop();
    // What the payload logs still hold is written before the server is closed.
    void monitor.close().finally(() => done());
  });
  app.decorate('bento', { readiness, metrics, monitor, loaded });
  return app;
}

function zeros(count: number, width: number): Rows {
  return { data: new Float32Array(count * width), count, width };
}
