/**
 * A service of handler APIs over the test bentos' `regressor` model (kit/bento.ts makeBento), to serve from
 * a built bento in its own process: `score` (one call per request) and `bands` (batchable).
 */
import { api, BentoError, service, type ApiContext, type TensorValue } from '../../src/sdk/index.js';

const rowsSchema = { type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 5, maxItems: 5 } };

async function scores(rows: number[][], ctx: ApiContext): Promise<number[]> {
  const out = await ctx.models.regressor!.run({ input: rows });
  return Array.from((out.variable as TensorValue).data as Float32Array);
}

export const svc = service({
  name: 'handler_model',
  models: { regressor: 'activities_regressor:latest' },
  apis: {
    score: api({
      input: { type: 'object', required: ['rows'], properties: { rows: rowsSchema } },
      output: { type: 'object', required: ['scores'], properties: { scores: { type: 'array', items: { type: 'number' } }, best: { type: 'integer' } } },
      handler: async (body: { rows: number[][] }, ctx) => {
        if (body.rows.length === 0) throw new BentoError('INVALID_INPUT', 'rows is empty', [{ path: '/rows', message: 'needs at least one row' }]);
        const s = await scores(body.rows, ctx);
        return { scores: s, best: s.indexOf(Math.max(...s)) };
      },
    }),
    bands: api({
      input: rowsSchema,
      output: { type: 'array', items: { type: 'string' } },
      batchable: true,
      max_batch_size: 100,
      max_latency_ms: 5000,
      handler: async (rows: number[][], ctx) => (await scores(rows, ctx)).map((s) => (s >= 5 ? 'high' : 'low')),
    }),
  },
});
