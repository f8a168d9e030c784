/**
 * One API's route: validated body (by the route's schema) → preprocess → model (through the batcher when
 * batchable) → postprocess → JSON. Knows the HTTP side only; the model call is injected.
 */
import type { FastifyInstance } from 'fastify';
import { BentoError } from '../../errors.js';
import type { ApiContext, ApiDefinition, Rows } from '../../sdk/index.js';
import { ERROR_SCHEMA } from './http-errors.js';
import type { Readiness } from './health.js';
import type { Admission } from '../batching/admission.js';
import { ShedError } from '../batching/batcher.js';
import type { Cancellation } from '../batching/cancellation.js';
import type { Traffic } from '../batching/traffic.js';

export interface ApiRouteOptions {
  name: string;
  def: ApiDefinition<unknown, unknown>;
  ctx: ApiContext;
  readiness: Readiness;
  traffic: Traffic;
  admission: Admission;
  /** Whether requests already waiting use most of the latency budget (so a new one would be shed after parsing). */
  congested(): boolean;
  /** Number of features the API's model takes per row. */
  width: number;
  /** Runs rows through the model (batched or not); one output per row. */
  infer(rows: Rows, cancel: Cancellation, since: number): Promise<Float32Array>;
  bodyLimit: number;
}

export function registerApiRoute(app: FastifyInstance, o: ApiRouteOptions): void {
  const { def, ctx } = o;
  const budgetMs = def.batchable ? def.max_latency_ms : o.traffic.timeoutMs;
  // reply.elapsedTime (used below) counts from the request's arrival because createServer has an
  // onResponse hook: without any, Fastify does not time replies and it stays 0.
  app.post(
    def.route,
    {
      bodyLimit: o.bodyLimit,
      // Refuse before the body is read: readiness, a congested batcher, max_concurrency, the adaptive limit.
      onRequest: (_request, reply, done) => {
        try {
          if (!o.readiness.ready) throw o.readiness.error();
          if (o.congested()) throw new ShedError('overloaded: the requests already waiting fill the latency budget; retry in 1 s', 1);
          o.admission.enter();
          // 'close' comes once per response, answered or not: a client that goes away before its
          // answer gets no onResponse, and must not keep its slot.
          reply.raw.once('close', () => o.admission.leave(reply.elapsedTime, budgetMs));
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      schema: {
        ...(def.doc ? { summary: def.doc } : {}),
        operationId: o.name,
        body: def.input,
        response: { 200: def.output, '4xx': ERROR_SCHEMA, '5xx': ERROR_SCHEMA },
      },
    },
    async (request, reply) => {
      const body = request.body;
      return o.traffic.run(async (cancel) => {
        const rows = def.preprocess(body, ctx);
        if (rows.width !== o.width || rows.data.length !== rows.count * rows.width) {
          throw new BentoError(
            'INTERNAL',
            `api "${o.name}": preprocess returned ${rows.count} rows × ${rows.width} (${rows.data.length} values); the model takes ${o.width} features`,
          );
        }
        // The latency budget counts from the request's arrival, not from the end of its parsing.
        const outputs = await o.infer(rows, cancel, performance.now() - reply.elapsedTime);
        const answer = def.postprocess ? await def.postprocess(outputs, body, ctx) : Array.from(outputs);
        // Draining since this request came in: its connection closes after the answer.
        if (o.readiness.state === 'stopping') void reply.header('connection', 'close');
        return answer;
      });
    },
  );
}
