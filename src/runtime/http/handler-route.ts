/**
 * A handler API's route: validated body (by the route's schema) → the API's own code, with the models in
 * its context → the answer serialised by the `output` schema. A batchable handler's body is a list: the
 * items of concurrent requests go through the batcher together, and each request gets its slice back.
 * Readiness, admission, the traffic timeout and shedding are the rows API's (see api-route.ts).
 */
import type { FastifyInstance } from 'fastify';
import { BentoError } from '../../errors.js';
import type { ApiContext, HandlerApiDefinition } from '../../sdk/index.js';
import type { Admission } from '../batching/admission.js';
import { Batcher, itemsCodec } from '../batching/batcher.js';
import type { Cancellation } from '../batching/cancellation.js';
import type { Traffic } from '../batching/traffic.js';
import { admissionDoor, takeSlot } from './admission-gate.js';
import { answerSerializer, jsonReady } from './json-answer.js';
import type { Readiness } from './health.js';
import { ERROR_SCHEMA } from './http-errors.js';

/** How a batchable handler's items reach it: through a batcher (see createServer). */
export interface ItemsBatching {
  submit(items: unknown[], cancel: Cancellation, since: number, ownMs: number): Promise<unknown[]>;
  /** The extra budget of a request of `items` items, in ms (see Batcher.sizeBudgetMs). */
  sizeBudgetMs(items: number): number;
  /** Whether requests already waiting use most of a request's budget (so it would be shed after parsing). */
  congested(budgetMs: number): boolean;
}

export interface HandlerRouteOptions {
  name: string;
  def: HandlerApiDefinition<unknown, unknown>;
  ctx: ApiContext;
  readiness: Readiness;
  traffic: Traffic;
  admission: Admission;
  bodyLimit: number;
  /** Present for a batchable handler. */
  batching?: ItemsBatching;
}

/**
 * Calls a batchable handler on a batch of items and checks it kept its side of the contract: one answer
 * per item. Anything else is a 500 that says what the handler did.
 *
 * @example
 *   const batcher = new Batcher((items) => callBatchHandler('classify', def, items, ctx), { codec: itemsCodec(), … });
 */
export async function callBatchHandler(name: string, def: HandlerApiDefinition<unknown, unknown>, items: unknown[], ctx: ApiContext): Promise<unknown[]> {
  const out = await def.handler(items, ctx);
  if (!Array.isArray(out) || out.length !== items.length) {
    const got = Array.isArray(out) ? `${out.length} answers` : `no list (${out === null ? 'null' : typeof out})`;
    throw new BentoError('INTERNAL', `api "${name}": the batchable handler returned ${got} for ${items.length} items; it must return one answer per item, in order`);
  }
  return out;
}

/**
 * The batching of a batchable handler: the same Batcher as the rows APIs (max_batch_size, max_latency_ms,
 * shedding), over items of JSON lists. `onBatch` sees every call's size (the batch-size metric).
 */
export function handlerBatching(name: string, def: HandlerApiDefinition<unknown, unknown>, ctx: ApiContext, onBatch: (items: number) => void): ItemsBatching {
  const batcher = new Batcher<unknown[], unknown[]>((items) => callBatchHandler(name, def, items, ctx), {
    codec: itemsCodec(),
    maxBatchSize: def.max_batch_size,
    maxLatencyMs: def.max_latency_ms,
    onBatch,
  });
  return {
    submit: (items, cancel, since, ownMs) => batcher.submit(items, cancel, since, ownMs),
    sizeBudgetMs: (items) => batcher.sizeBudgetMs(items),
    congested: (budgetMs) => batcher.congested(budgetMs),
  };
}

export function registerHandlerRoute(app: FastifyInstance, o: HandlerRouteOptions): void {
  const { def, ctx, batching } = o;
  if (!app.hasRequestDecorator('doorMark')) app.decorateRequest('doorMark', -1);
  const budgetMs = batching ? def.max_latency_ms : o.traffic.timeoutMs;
  const congested = batching ? (): boolean => batching.congested(def.max_latency_ms) : undefined;
  app.post(
    def.route,
    {
      bodyLimit: o.bodyLimit,
      serializerCompiler: answerSerializer,
      onRequest: admissionDoor(o.readiness, o.admission, congested),
      schema: {
        ...(def.doc ? { summary: def.doc } : {}),
        operationId: o.name,
        body: def.input,
        response: { 200: def.output, '4xx': ERROR_SCHEMA, '5xx': ERROR_SCHEMA },
      },
    },
    async (request, reply) => {
      let own = 0;
      takeSlot(o.admission, request, reply, () => budgetMs + own);
      const body = request.body;
      return o.traffic.run(async (cancel) => {
        let answer: unknown;
        if (batching) {
          // The schema said array (service() requires an array schema of a batchable handler).
          const items = body as unknown[];
          const now = performance.now();
          const parsed = request.bodyArrivedAt > 0 ? now - request.bodyArrivedAt : 0;
          own = parsed + batching.sizeBudgetMs(items.length);
          answer = await batching.submit(items, cancel, now - reply.elapsedTime, parsed);
        } else {
          answer = await def.handler(body, ctx);
        }
        if (answer === undefined) throw new BentoError('INTERNAL', `api "${o.name}": the handler returned nothing (undefined); return a JSON value`);
        if (o.readiness.state === 'stopping') void reply.header('connection', 'close');
        return jsonReady(answer);
      });
    },
  );
}
