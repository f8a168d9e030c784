/**
 * The Open Inference Protocol (KServe V2 REST) for every model of a service: server metadata and health,
 * model metadata and readiness, and infer. `{name}` is the model's store name (model.yaml `name`) or its
 * alias in the service; `{version}`, when given, must be the served version. Errors are the service's JSON
 * (`{"error": …}`, 404 for an unknown model or version, 400 for a bad request). Infer requests go through
 * validation (ajv, the schema in schemas.ts), admission, the traffic timeout, metrics (the route template is
 * the endpoint label) and batching along dim 0 where the model allows it (tensor-batch.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BentoError } from '../../../errors.js';
import type { ModelInfo } from '../../../models/model-info.js';
import type { Feed } from '../../../onnx/tensors.js';
import type { ValueSpec } from '../../../onnx/value-types.js';
import type { Admission } from '../../batching/admission.js';
import { Batcher } from '../../batching/batcher.js';
import type { Cancellation } from '../../batching/cancellation.js';
import type { Traffic } from '../../batching/traffic.js';
import { admissionDoor, takeSlot } from '../admission-gate.js';
import type { Readiness } from '../health.js';
import { toFeeds, toV2Output, v2Metadata } from './datatypes.js';
import { INFER_REQUEST_SCHEMA, type V2InferRequest, type V2OutputTensor } from './schemas.js';
import { batchableAlongRows, tensorsCodec, type Outputs, type TensorBatch } from './tensor-batch.js';

/** What V2 needs of a loaded model (a Session). */
export interface V2Session {
  readonly signature: { inputs: ValueSpec[]; outputs: ValueSpec[] };
  runFeeds(feeds: Record<string, Feed>, outputs?: string[]): Promise<Outputs>;
}

export interface V2Model {
  alias: string;
  info: ModelInfo;
  /** The loaded session, undefined until the models are loaded. */
  session(): V2Session | undefined;
  /** Batching of this model's infer requests: the settings of its batchable rows API, else V2_BATCHING. */
  batching: { max_batch_size: number; max_latency_ms: number };
}

export interface V2Options {
  service: { name: string; version: string };
  models: V2Model[];
  readiness: Readiness;
  traffic: Traffic;
  admission: Admission;
  bodyLimit: number;
  /** Every model call: its size in rows (batched calls only) and duration (metrics). */
  onBatch(endpoint: string, rows: number): void;
  onInference(alias: string, seconds: number): void;
}

/** Batching of a model's V2 requests when no batchable rows API of it says otherwise. */
export const V2_BATCHING = Object.freeze({ max_batch_size: 1000, max_latency_ms: 1000 });

/** The tag of the Open Inference Protocol's routes in /docs.json. */
export const V2_TAG = 'Open Inference Protocol (KServe V2)';

type Params = { name: string; version?: string };

/** Runs one model's infer requests: joined along dim 0 through a batcher when it can, else one call each. */
class V2Runner {
  private batcher: Batcher<TensorBatch, Outputs> | undefined;
  private decided = false;

  constructor(
    private readonly model: V2Model,
    private readonly o: V2Options,
  ) {}

  /** The batcher's extra budget for `rows` rows (0 without batching). */
  sizeBudgetMs(rows: number): number {
    return this.batcher?.sizeBudgetMs(rows) ?? 0;
  }

  congested(): boolean {
    return this.batcher?.congested(this.model.batching.max_latency_ms) ?? false;
  }

  private call = async (session: V2Session, feeds: Record<string, Feed>): Promise<Outputs> => {
    const began = performance.now();
    const out = await session.runFeeds(feeds);
    this.o.onInference(this.model.alias, (performance.now() - began) / 1000);
    return out;
  };

  run(session: V2Session, batch: TensorBatch, cancel: Cancellation, since: number, ownMs: number): Promise<Outputs> {
    if (!this.decided) {
      this.decided = true;
      if (batchableAlongRows(session.signature)) {
        const endpoint = `/v2/models/${this.model.info.name}/infer`;
        this.batcher = new Batcher((b) => this.call(session, b.feeds), {
          codec: tensorsCodec(),
          maxBatchSize: this.model.batching.max_batch_size,
          maxLatencyMs: this.model.batching.max_latency_ms,
          onBatch: (rows) => this.o.onBatch(endpoint, rows),
        });
      }
    }
    if (!this.batcher || batch.count === 0) return this.call(session, batch.feeds);
    return this.batcher.submit(batch, cancel, since, ownMs);
  }
}

export function registerV2Routes(app: FastifyInstance, o: V2Options): void {
  const runners = new Map(o.models.map((m) => [m, new V2Runner(m, o)]));
  const served = o.models.map((m) => `"${m.info.name}"`).join(', ') || 'none';

  /** The model a request names (store name or alias, and version when given), or 404. */
  const modelOf = (params: Params): V2Model => {
    const m = o.models.find((x) => x.info.name === params.name) ?? o.models.find((x) => x.alias === params.name);
    if (!m) throw new BentoError('NOT_FOUND', `model "${params.name}" is not served here; the models are ${served}`);
    if (params.version !== undefined && params.version !== m.info.version) {
      throw new BentoError('NOT_FOUND', `model "${m.info.name}" has no version "${params.version}"; the served version is "${m.info.version}"`);
    }
    return m;
  };
  const sessionOf = (m: V2Model): V2Session => {
    const s = m.session();
    if (!s || !o.readiness.ready) throw o.readiness.error();
    return s;
  };

  // Documented in /docs.json (Swagger UI) under a tag of their own; the answers' shapes are the protocol's.
  const modelsServed = `Models served: ${o.models.map((m) => `\`${m.info.name}\` (version \`${m.info.version}\`, or its alias \`${m.alias}\`)`).join(', ')}.`;
  const params = (version: boolean) => ({
    type: 'object',
    required: version ? ['name', 'version'] : ['name'],
    properties: { name: { type: 'string', description: 'the model\'s name (or its alias in the service)' }, ...(version ? { version: { type: 'string' } } : {}) },
  });
  const doc = (summary: string, version?: boolean) => ({
    schema: { tags: [V2_TAG], summary, ...(version === undefined ? {} : { description: modelsServed, params: params(version) }) },
  });
  app.get('/v2', doc('Server metadata: name, version, extensions'), async () => ({ name: o.service.name, version: o.service.version, extensions: [] }));
  app.get('/v2/health/live', doc('Server liveness'), async () => ({ live: true }));
  app.get('/v2/health/ready', doc('Server readiness: every model loaded'), async () => {
    if (!o.readiness.ready) throw o.readiness.error();
    return { ready: true };
  });

  const metadata = async (request: FastifyRequest): Promise<unknown> => {
    const m = modelOf(request.params as Params);
    const s = sessionOf(m);
    return {
      name: m.info.name,
      versions: [m.info.version],
      platform: 'onnxruntime',
      inputs: s.signature.inputs.map(v2Metadata),
      outputs: s.signature.outputs.map(v2Metadata),
    };
  };
  app.get('/v2/models/:name', doc('Model metadata: inputs and outputs with datatypes and shapes (-1: any size)', false), metadata);
  app.get('/v2/models/:name/versions/:version', doc('Model metadata, for a version', true), metadata);
  const ready = async (request: FastifyRequest): Promise<unknown> => {
    const m = modelOf(request.params as Params);
    sessionOf(m);
    return { name: m.info.name, ready: true };
  };
  app.get('/v2/models/:name/ready', doc('Model readiness', false), ready);
  app.get('/v2/models/:name/versions/:version/ready', doc('Model readiness, for a version', true), ready);

  if (!app.hasRequestDecorator('doorMark')) app.decorateRequest('doorMark', -1);
  const infer = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    let own = 0;
    let budgetMs: number = V2_BATCHING.max_latency_ms;
    takeSlot(o.admission, request, reply, () => budgetMs + own);
    const m = modelOf(request.params as Params);
    const runner = runners.get(m)!;
    budgetMs = m.batching.max_latency_ms;
    const body = request.body as V2InferRequest;
    return o.traffic.run(async (cancel) => {
      const session = sessionOf(m);
      const outputs = session.signature.outputs;
      const wanted = body.outputs?.map((x) => x.name) ?? outputs.map((x) => x.name);
      body.outputs?.forEach((x, i) => {
        if (!outputs.some((s) => s.name === x.name)) {
          throw new BentoError('INVALID_INPUT', `/outputs/${i}/name: "${x.name}" is not an output of the model; its outputs are ${outputs.map((s) => `"${s.name}"`).join(', ')}`, [
            { path: `/outputs/${i}/name`, message: 'is not an output of the model' },
          ]);
        }
      });
      const feeds = toFeeds(body.inputs, session.signature.inputs);
      const first = Object.values(feeds)[0];
      const count = first?.dims[0] ?? 1;
      const now = performance.now();
      const parsed = request.bodyArrivedAt > 0 ? now - request.bodyArrivedAt : 0;
      own = parsed + runner.sizeBudgetMs(count);
      // Rows only line up when every input has as many: else the model (called alone) decides.
      const rowsAgree = Object.values(feeds).every((f) => f.dims[0] === count);
      const out = rowsAgree
        ? await runner.run(session, { feeds, count }, cancel, now - reply.elapsedTime, parsed)
        : await session.runFeeds(feeds);
      const answer: V2OutputTensor[] = [];
      for (const name of wanted) {
        const value = out[name];
        if (value !== undefined) answer.push(toV2Output(name, value));
      }
      if (o.readiness.state === 'stopping') void reply.header('connection', 'close');
      return { model_name: m.info.name, model_version: m.info.version, ...(body.id !== undefined ? { id: body.id } : {}), outputs: answer };
    });
  };
  const congestedFor = (request: FastifyRequest): boolean => {
    const params = request.params as Params;
    const m = o.models.find((x) => x.info.name === params.name) ?? o.models.find((x) => x.alias === params.name);
    return m !== undefined && runners.get(m)!.congested();
  };
  const inferRoute = (version: boolean) => {
    const { schema } = doc(version ? 'Inference, on a version of the model' : 'Inference: named input tensors in, the output tensors asked for (all by default) out', version);
    return { bodyLimit: o.bodyLimit, onRequest: admissionDoor(o.readiness, o.admission, congestedFor), schema: { ...schema, body: INFER_REQUEST_SCHEMA } };
  };
  app.post('/v2/models/:name/infer', inferRoute(false), infer);
  app.post('/v2/models/:name/versions/:version/infer', inferRoute(true), infer);
}
