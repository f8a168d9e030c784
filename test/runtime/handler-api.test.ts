// Handler APIs (code of their own) on a real port with real onnxruntime: one service with a forest and a
// ZipMap classifier, a handler calling both and turning probabilities into labels, a batchable handler
// whose concurrent requests share model calls (seen in the batch-size metric), the rows API beside them,
// handlers answering onnxruntime's own values (typed arrays, bigints, whole tensors), and the errors a
// handler can cause.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { BentoClient } from '../../src/client/index.js';
import { BentoError } from '../../src/errors.js';
import { predictRow } from '../../src/forest/forest.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { api, service, type ApiContext, type TensorValue } from '../../src/sdk/index.js';
import { recordsToRows } from '../../src/pipeline/preprocess.js';
import { makeBento, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { get, post, sample } from '../kit/http.js';
import { randomForest } from '../kit/model.js';
import { classifierReference, treeClassifierOnnx } from '../kit/onnx-fixtures.js';
import { layModel, serveModels } from '../kit/served-models.js';

const LABELS = ['setosa', 'versicolor', 'virginica'] as const;
const FEATURES = ['a', 'b', 'c', 'd', 'e'];
const forest = randomForest(5, 10, 4);

interface Reading {
  x: [number, number];
  features: number[];
}
interface Assessment {
  label: string;
  confidence: number;
  score: number;
}

const readingSchema = {
  type: 'object',
  required: ['x', 'features'],
  properties: {
    x: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
    features: { type: 'array', items: { type: 'number' }, minItems: 5, maxItems: 5 },
  },
};
const assessmentSchema = {
  type: 'object',
  required: ['label', 'confidence', 'score'],
  properties: { label: { type: 'string' }, confidence: { type: 'number' }, score: { type: 'number' } },
};

/** The most probable label of each row of a ZipMap output. */
function labelsOf(maps: Array<Record<string, number>>): Array<{ label: string; confidence: number }> {
  return maps.map((m) => {
    const [label, confidence] = Object.entries(m).reduce((best, e) => (e[1] > best[1] ? e : best));
    return { label, confidence };
  });
}

async function assess(readings: Reading[], ctx: ApiContext): Promise<Assessment[]> {
  const [cls, reg] = await Promise.all([
    ctx.models.classifier!.run({ X: readings.map((r) => r.x) }),
    ctx.models.forest!.run({ input: readings.map((r) => r.features) }),
  ]);
  const labels = labelsOf(cls.output_probability as Array<Record<string, number>>);
  const scores = (reg.variable as TensorValue).data as Float32Array;
  return labels.map((l, i) => ({ ...l, score: scores[i]! }));
}

/** Holds a handler's next call until released: requests sent meanwhile queue in the batcher behind it. */
class Hold {
  private gate: Promise<void> | undefined;
  private entered: () => void = () => {};

  /** Called at the top of the handler. */
  async pass(): Promise<void> {
    const gate = this.gate;
    if (!gate) return;
    this.gate = undefined;
    this.entered();
    await gate;
  }

  /**
   * Sends `first`, waits until its call is in the handler, sends `others`, waits until all of them are in
   * flight at `endpoint` (counted at the door), lets `extraMs` pass, then releases the first call.
   */
  async around<T>(url: string, endpoint: string, first: () => Promise<T>, others: Array<() => Promise<T>>, extraMs: number): Promise<T[]> {
    let release: () => void = () => {};
    this.gate = new Promise<void>((resolve) => (release = resolve));
    const inHandler = new Promise<void>((resolve) => (this.entered = resolve));
    const head = first();
    await inHandler;
    const rest = others.map((o) => o());
    for (;;) {
      const m = await get(`${url}/metrics`);
      if ((sample(m.text, 'BENTOML_garden_request_in_progress', { endpoint }) ?? 0) >= others.length + 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, extraMs));
    release();
    return Promise.all([head, ...rest]);
  }
}

// Every batch the batchable handler was called with, and the holds of two handlers.
const batches: number[] = [];
const labelHold = new Hold();
const heldHold = new Hold();

const svc = service({
  name: 'garden',
  models: { forest: 'garden_forest:latest', classifier: 'garden_classifier:latest' },
  apis: {
    assess: api({
      doc: 'Label and score readings with two models',
      input: { type: 'array', items: readingSchema },
      output: { type: 'array', items: assessmentSchema },
      handler: assess,
    }),
    label: api({
      input: { type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } },
      output: { type: 'array', items: { type: 'string' } },
      batchable: true,
      max_batch_size: 64,
      max_latency_ms: 30_000,
      handler: async (xs: Array<[number, number]>, ctx) => {
        batches.push(xs.length);
        await labelHold.pass();
        const out = await ctx.models.classifier!.run({ X: xs });
        return labelsOf(out.output_probability as Array<Record<string, number>>).map((l) => l.label);
      },
    }),
    held: api({
      input: { type: 'array' },
      output: { type: 'array' },
      batchable: true,
      max_latency_ms: 50,
      handler: async (xs: unknown[]) => {
        await heldHold.pass();
        return xs;
      },
    }),
    short: api({
      input: { type: 'array' },
      output: { type: 'array' },
      batchable: true,
      handler: async (xs: unknown[]) => xs.slice(1),
    }),
    strict: api({
      input: { type: 'object' },
      output: { type: 'object' },
      handler: async () => {
        throw new BentoError('INVALID_INPUT', 'readings from the future are refused', [{ path: '/when', message: 'is in the future' }]);
      },
    }),
    broken: api({
      input: { type: 'object' },
      output: { type: 'object' },
      handler: async () => {
        throw new Error('secret database password in /etc/garden');
      },
    }),
    predict: api({ model: 'forest', input: { type: 'array' }, output: { type: 'array', items: { type: 'number' } }, preprocess: recordsToRows('forest') }),
    // onnxruntime's values returned as they come: a Float32Array where the schema says a list of numbers,
    // and a free-form object holding a whole tensor and a bigint.
    scores: api({
      input: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      output: { type: 'array', items: { type: 'number' } },
      handler: async (rows: number[][], ctx) => ((await ctx.models.forest!.run({ input: rows })).variable as TensorValue).data as Float32Array,
    }),
    tensor: api({
      input: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      output: { type: 'object' },
      handler: async (rows: number[][], ctx) => ({ rows: BigInt(rows.length), tensor: (await ctx.models.forest!.run({ input: rows })).variable }),
    }),
  },
});

function readings(n: number, seed = 1): Reading[] {
  let s = seed;
  const r = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
  return Array.from({ length: n }, () => ({ x: [r(), r()] as [number, number], features: FEATURES.map(() => r() * 10) }));
}

t.test('a service with two models and several APIs', async (t) => {
  const s = await serveModels(svc, (dir) => ({
    forest: layModel(dir, 'garden_forest', forestToOnnx(forest, { featureNames: FEATURES }), FEATURES),
    classifier: layModel(dir, 'garden_classifier', treeClassifierOnnx({ labels: [...LABELS], zipMap: true })),
  }));
  t.teardown(s.close);

  t.test('a handler calls both models and turns probabilities into labels', async (t) => {
    const rs = readings(7);
    const r = await post(`${s.url}/assess`, rs);
    t.equal(r.status, 200);
    t.equal(r.body.length, 7);
    rs.forEach((reading, i) => {
      const want = classifierReference(reading.x);
      const got = r.body[i];
      t.equal(got.label, LABELS[want.index], `row ${i}: label`);
      t.ok(Math.abs(got.confidence - want.probabilities[want.index]!) < 1e-6, `row ${i}: confidence ${got.confidence}`);
      const score = predictRow(forest, Float32Array.from(reading.features));
      t.ok(Math.abs(got.score - score) <= 1e-4 * Math.max(1, Math.abs(score)), `row ${i}: score ${got.score} vs ${score}`);
    });
  });

  t.test('a handler may answer what onnxruntime gives it: typed arrays and bigints are JSON lists and numbers', async (t) => {
    const rs = readings(4, 5).map((r) => r.features);
    const want = rs.map((f) => predictRow(forest, Float32Array.from(f)));
    const near = (got: number[]): boolean => got.length === want.length && got.every((v, i) => Math.abs(v - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)));
    const scores = await post(`${s.url}/scores`, rs);
    t.equal(scores.status, 200, 'a Float32Array where the output schema says a list');
    t.ok(near(scores.body), `the scores: ${JSON.stringify(scores.body)}`);
    // The typed client types the answer as JSON gives it back: number[], not the handler's Float32Array.
    const client = new BentoClient<typeof svc>(s.url);
    t.teardown(() => client.close());
    const typed: number[] = await client.scores(rs);
    t.ok(Array.isArray(typed) && near(typed), 'the typed client: a list of numbers');
    const tensor = await post(`${s.url}/tensor`, rs);
    t.equal(tensor.status, 200, 'a whole tensor and a bigint in a free-form answer');
    t.match(tensor.body, { rows: 4, tensor: { type: 'float32', dims: [4, 1] } });
    t.ok(near(tensor.body.tensor.data), 'the tensor\'s data as a list');
  });

  t.test('the typed client calls a handler API with its own types', async (t) => {
    const client = new BentoClient<typeof svc>(s.url);
    t.teardown(() => client.close());
    const rs = readings(3, 9);
    // Typed from the handler: Reading[] in, Assessment[] out (a wrong body would not compile).
    const out: Assessment[] = await client.assess(rs);
    t.same(out.map((a) => a.label), rs.map((r) => LABELS[classifierReference(r.x).index]));
    if (rs.length < 0) {
      // @ts-expect-error a number is not Reading[] (never sent: the check is the compiler's)
      await client.assess(5);
    }
    const labels: string[] = await client.label([[0.1, 0.9]]);
    t.same(labels, ['setosa']);
  });

  t.test('the body is validated against input before the handler runs', async (t) => {
    const r = await post(`${s.url}/assess`, [{ x: [1, 2], features: [1, 2, 3] }]);
    t.equal(r.status, 400);
    t.equal(r.body.code, 'INVALID_INPUT');
    t.match(r.body.details[0].path, '/0/features');
  });

  t.test('the rows API works beside the handlers', async (t) => {
    const r = await post(`${s.url}/predict`, [{ a: 1, b: 2, c: 3, d: 4, e: 5 }]);
    t.equal(r.status, 200);
    const want = predictRow(forest, Float32Array.from([1, 2, 3, 4, 5]));
    t.ok(Math.abs(r.body[0] - want) <= 1e-4 * Math.max(1, Math.abs(want)));
  });

  t.test('a batchable handler: concurrent requests share calls, each gets its own slice', async (t) => {
    batches.length = 0;
    const batchMetrics = async (): Promise<[number, number]> => {
      const m = await get(`${s.url}/metrics`);
      const labels = { endpoint: '/label' };
      return [sample(m.text, 'BENTOML_garden_adaptive_batch_size_count', labels) ?? 0, sample(m.text, 'BENTOML_garden_adaptive_batch_size_sum', labels) ?? 0];
    };
    const [count0, sum0] = await batchMetrics();
    const bodies = Array.from({ length: 20 }, (_, i) => readings(1 + (i % 3), i + 1).map((r) => r.x));
    // The first request holds the model; the others arrive meanwhile and wait for the next batch.
    const send = (b: unknown) => () => post(`${s.url}/label`, b);
    const answers = await labelHold.around(s.url, '/label', send(bodies[0]), bodies.slice(1).map(send), 100);
    answers.forEach((a, i) => {
      t.equal(a.status, 200);
      t.same(a.body, bodies[i]!.map((x) => LABELS[classifierReference(x as [number, number]).index]), `request ${i} got its own labels`);
    });
    const items = bodies.reduce((n, b) => n + b.length, 0);
    t.equal(batches.reduce((a, b) => a + b, 0), items, 'every item reached the handler once');
    t.ok(batches.length < bodies.length, `${batches.length} handler calls for ${bodies.length} requests`);
    const [count, sum] = await batchMetrics();
    t.equal(sum - sum0, items, 'the batch-size metric counts every item');
    t.equal(count - count0, batches.length, 'one batch observed per handler call');
  });

  t.test('a batchable handler sheds requests that wait past max_latency_ms: 503 with Retry-After', async (t) => {
    const send = (i: number) => () => post(`${s.url}/held`, [i]);
    // Held well past the 50 ms budget of the requests queued behind the first.
    const [a, ...rest] = await heldHold.around(s.url, '/held', send(0), [1, 2, 3, 4, 5].map(send), 500);
    t.equal(a!.status, 200, 'the request already in the handler is answered');
    for (const r of rest) {
      t.equal(r.status, 503);
      t.equal(r.body.code, 'OVERLOADED');
      t.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
    }
  });

  t.test('a batchable handler that answers the wrong number of items is a clear 500', async (t) => {
    const r = await post(`${s.url}/short`, [1, 2, 3]);
    t.equal(r.status, 500);
    t.equal(r.body.code, 'INTERNAL');
    t.match(r.body.error, /api "short": the batchable handler returned 2 answers for 3 items/);
  });

  t.test('a batchable handler takes a JSON array only', async (t) => {
    const r = await post(`${s.url}/label`, { x: [1, 2] });
    t.equal(r.status, 400);
    t.equal(r.body.code, 'INVALID_INPUT');
  });

  t.test("a handler's INVALID_INPUT is a 400 with its details", async (t) => {
    const r = await post(`${s.url}/strict`, {});
    t.equal(r.status, 400);
    t.same(r.body, { error: 'readings from the future are refused', code: 'INVALID_INPUT', details: [{ path: '/when', message: 'is in the future' }] });
  });

  t.test('any other throw is a 500 in the service shape, without the message or a stack', async (t) => {
    const r = await post(`${s.url}/broken`, {});
    t.equal(r.status, 500);
    t.same(Object.keys(r.body).sort(), ['code', 'details', 'error']);
    t.equal(r.body.code, 'INTERNAL');
    t.notMatch(r.text, /secret|\/etc\/garden|at async|handler-api\.test/);
  });

  t.test('the handler APIs and their output schemas are in the OpenAPI document', async (t) => {
    const r = await get(`${s.url}/docs.json`);
    t.equal(r.status, 200);
    const op = r.body.paths['/assess'].post;
    t.equal(op.operationId, 'assess');
    t.equal(op.summary, 'Label and score readings with two models');
    const ok = op.responses['200'].content['application/json'].schema;
    t.same(ok.items.required, ['label', 'confidence', 'score']);
  });
});

t.test('service() takes exactly one of handler and preprocess, naming service, api and key', async (t) => {
  const base = { input: { type: 'array' }, output: { type: 'array' } };
  const declare = (a: Record<string, unknown>) => () => service({ name: 's', models: { m: 'm' }, apis: { go: a as never } });
  t.throws(declare({ ...base, handler: async () => [], preprocess: () => ({ data: new Float32Array(0), count: 0, width: 0 }) }), {
    code: 'BAD_CONFIG',
    message: /^service "s", api "go": handler and preprocess are both given/,
  });
  t.throws(declare({ ...base }), { code: 'BAD_CONFIG', message: /^service "s", api "go": handler or preprocess must be given/ });
  t.throws(declare({ ...base, handler: 'no' }), { code: 'BAD_CONFIG', message: /^service "s", api "go": handler must be a function/ });
  t.throws(declare({ ...base, handler: async () => [], postprocess: () => 1 }), { code: 'BAD_CONFIG', message: /api "go": postprocess is not a known setting/ });
  t.throws(declare({ input: { type: 'object' }, output: { type: 'array' }, batchable: true, handler: async () => [] }), {
    code: 'BAD_CONFIG',
    message: /api "go": input must be an array schema/,
  });
  t.throws(declare({ ...base, monitoring: { window: 5 }, handler: async () => [] }), { code: 'BAD_CONFIG', message: /api "go": monitoring is for rows APIs/ });
  t.throws(declare({ ...base, route: '/v2/x', handler: async () => [] }), { code: 'BAD_CONFIG', message: /route "\/v2\/x" is under \/v2/ });
  const ok = service({ name: 's', models: { m: 'm', n: 'n' }, apis: { go: api({ ...base, handler: async (b: number[]) => b }) } });
  t.equal(ok.apis.go.kind, 'handler');
  t.equal(ok.apis.go.model, 'm', 'a handler API records the first model when it names none');
});

t.test('handler APIs from a built bento, served by --production --workers 2', { timeout: 120_000 }, async (t) => {
  const { svc: handlers } = await import('../kit/handler-service.js');
  const bento = await makeBento(handlers, { serviceModule: 'test/kit/handler-service.ts' });
  t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
  const info = YAML.parse(readFileSync(path.join(bento.dir, 'bento.yaml'), 'utf8')) as { apis: Array<{ name: string; model: string; batchable: boolean }> };
  t.same(info.apis.map((a) => [a.name, a.model, a.batchable]), [['score', 'regressor', false], ['bands', 'regressor', true]], 'bento.yaml records the handler APIs');
  const openapi = YAML.parse(readFileSync(path.join(bento.dir, 'apis', 'openapi.yaml'), 'utf8')) as { paths: Record<string, { post: { responses: Record<string, { content: Record<string, { schema: { required?: string[] } }> }> } }> };
  t.same(openapi.paths['/score']!.post.responses['200']!.content['application/json']!.schema.required, ['scores'], "the bento's OpenAPI has the handler's output schema");
  const s = await spawnServer(process.execPath, [path.join(bento.dir, 'src', 'service.cjs'), '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const x = [[1, 2, 3, 4, 5], [9, 8, 7, 6, 5], [0, 0, 0, 0, 0]];
  const want = x.map((r) => Math.fround(predictRow(bento.forest, Float32Array.from(r))));
  const r = await post(`${s.url}/score`, { rows: x });
  t.equal(r.status, 200);
  t.ok(r.body.scores.every((v: number, i: number) => Math.abs(v - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!))), `scores ${r.body.scores} vs ${want}`);
  t.equal(r.body.best, want.indexOf(Math.max(...want)));
  const empty = await post(`${s.url}/score`, { rows: [] });
  t.equal(empty.status, 400);
  t.same(empty.body.details, [{ path: '/rows', message: 'needs at least one row' }]);
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post(`${s.url}/bands`, x.slice(0, 1 + (i % 3)))));
  answers.forEach((a, i) => t.same(a.body, want.slice(0, 1 + (i % 3)).map((v) => (v >= 5 ? 'high' : 'low')), `request ${i}`));
  const v2 = await post(`${s.url}/v2/models/activities_regressor/infer`, { inputs: [{ name: 'input', shape: [3, 5], datatype: 'FP32', data: x }] });
  t.equal(v2.status, 200);
  t.ok(v2.body.outputs[0].data.every((v: number, i: number) => Math.abs(v - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!))), 'V2 infer in a worker');
});
