/**
 * The service the runtime tests serve: the real activities API (`/predict`, from the top-level service.ts)
 * plus `/slow`, whose answer is held back `ms` milliseconds after the model ran (to have requests in
 * flight on purpose). `makeService` varies the traffic and batching settings.
 */
import { svc as activities } from '../../service.js';
import { api, service, type ServiceDefinition } from '../../src/sdk/index.js';

const slow = api<{ ms: number }, number[]>({
  route: '/slow',
  input: { type: 'object', required: ['ms'], properties: { ms: { type: 'number', minimum: 0, maximum: 60000 } } },
  output: { type: 'array', items: { type: 'number' } },
  batchable: true,
  max_batch_size: 10,
  max_latency_ms: 60000,
  preprocess: () => ({ data: new Float32Array(5), count: 1, width: 5 }),
  postprocess: (outputs, body) => new Promise((resolve) => setTimeout(() => resolve(Array.from(outputs)), body.ms)) as unknown as number[],
});

export function makeService(
  opts: { timeout?: number; max_concurrency?: number; body_timeout?: number; max_request_size?: number; max_batch_size?: number; max_latency_ms?: number; batchable?: boolean } = {},
): ServiceDefinition {
  const predict = activities.apis.predict!;
  return service({
    name: 'activities_model',
    description: activities.description,
    models: { regressor: 'activities_regressor:latest' },
    apis: {
      predict: {
        ...predict,
        ...(opts.max_batch_size !== undefined ? { max_batch_size: opts.max_batch_size } : {}),
        ...(opts.max_latency_ms !== undefined ? { max_latency_ms: opts.max_latency_ms } : {}),
        ...(opts.batchable !== undefined ? { batchable: opts.batchable } : {}),
      },
      slow,
    },
    traffic: {
      timeout: opts.timeout ?? 10,
      max_concurrency: opts.max_concurrency ?? 512,
      ...(opts.body_timeout !== undefined ? { body_timeout: opts.body_timeout } : {}),
      ...(opts.max_request_size !== undefined ? { max_request_size: opts.max_request_size } : {}),
    },
  });
}

export const svc = makeService();
