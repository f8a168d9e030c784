// The Open Inference Protocol (KServe V2 REST) on a real port with real onnxruntime: server and model
// metadata, readiness, infer of a forest, classifiers (tensor and ZipMap outputs) and a model of INT64,
// BOOL and BYTES inputs, compared with onnxruntime's own answers; batching along dim 0; the error cases.
import t from 'tap';
import { loadSession, type Session } from '../../src/onnx/session.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { api, service, type TensorValue } from '../../src/sdk/index.js';
import { recordsToRows } from '../../src/pipeline/preprocess.js';
import { get, post, sample } from '../kit/http.js';
import { randomForest } from '../kit/model.js';
import { classifierReference, mixedInputsOnnx, treeClassifierOnnx } from '../kit/onnx-fixtures.js';
import { layModel, serveModels, type ServedModel } from '../kit/served-models.js';

const FEATURES = ['a', 'b', 'c', 'd', 'e'];
const forest = randomForest(4, 10, 4);

const svc = service({
  name: 'orchard',
  models: { forest: 'orchard_forest:latest', classifier: 'orchard_classifier:latest', zipped: 'orchard_zipped:latest', mixed: 'orchard_mixed:latest' },
  apis: {
    predict: api({ model: 'forest', input: { type: 'array' }, output: { type: 'array', items: { type: 'number' } }, batchable: true, max_batch_size: 500, max_latency_ms: 5000, preprocess: recordsToRows('forest') }),
  },
});

function rows(n: number, seed: number): number[][] {
  let s = seed;
  const r = (): number => ((s = (s * 16807) % 2147483647) / 2147483647) * 10;
  return Array.from({ length: n }, () => FEATURES.map(r));
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

t.test('the Open Inference Protocol', async (t) => {
  const laid: Record<string, ServedModel> = {};
  const s = await serveModels(svc, (dir) => {
    laid.forest = layModel(dir, 'orchard_forest', forestToOnnx(forest, { featureNames: FEATURES }), FEATURES, 'f1');
    laid.classifier = layModel(dir, 'orchard_classifier', treeClassifierOnnx({ labels: [10, 20, 30], zipMap: false }), [], 'c1');
    laid.zipped = layModel(dir, 'orchard_zipped', treeClassifierOnnx({ labels: ['low', 'mid', 'high'], zipMap: true }), [], 'z1');
    laid.mixed = layModel(dir, 'orchard_mixed', mixedInputsOnnx(), [], 'm1');
    return laid;
  });
  t.teardown(s.close);
  // onnxruntime's own answers, from a session of the same file outside the server.
  const reference: Session = await loadSession(laid.forest!.onnxPath);
  const infer = (model: string, body: unknown): ReturnType<typeof post> => post(`${s.url}/v2/models/${model}/infer`, body);

  t.test('server metadata and health', async (t) => {
    const meta = await get(`${s.url}/v2`);
    t.equal(meta.status, 200);
    t.same(meta.body, { name: 'orchard', version: 'test', extensions: [] });
    t.same((await get(`${s.url}/v2/health/live`)).body, { live: true });
    const ready = await get(`${s.url}/v2/health/ready`);
    t.equal(ready.status, 200);
    t.same(ready.body, { ready: true });
    const model = await get(`${s.url}/v2/models/orchard_forest/ready`);
    t.equal(model.status, 200);
  });

  t.test('/docs.json documents every route of the protocol, under its own tag, with the infer body', async (t) => {
    const doc = (await get(`${s.url}/docs.json`)).body as { paths: Record<string, Record<string, { tags?: string[]; requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>> };
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).filter(([, op]) => op.tags?.includes('Open Inference Protocol (KServe V2)')).map(([m]) => `${m.toUpperCase()} ${p}`));
    t.same(routes.sort(), [
      'GET /v2',
      'GET /v2/health/live',
      'GET /v2/health/ready',
      'GET /v2/models/{name}',
      'GET /v2/models/{name}/ready',
      'GET /v2/models/{name}/versions/{version}',
      'GET /v2/models/{name}/versions/{version}/ready',
      'POST /v2/models/{name}/infer',
      'POST /v2/models/{name}/versions/{version}/infer',
    ]);
    t.same(doc.paths['/v2/models/{name}/infer']!.post!.requestBody!.content['application/json']!.schema.required, ['inputs'], 'the infer body\'s schema');
  });

  t.test('model metadata: datatypes, -1 for dynamic dims, by store name, alias or version', async (t) => {
    const forestMeta = await get(`${s.url}/v2/models/orchard_forest`);
    t.equal(forestMeta.status, 200);
    t.same(forestMeta.body.name, 'orchard_forest');
    t.same(forestMeta.body.versions, ['f1']);
    t.equal(forestMeta.body.platform, 'onnxruntime');
    t.same(forestMeta.body.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 5] }]);
    t.equal(forestMeta.body.outputs[0].datatype, 'FP32');
    t.same((await get(`${s.url}/v2/models/forest`)).body, forestMeta.body, 'the alias names it too');
    t.same((await get(`${s.url}/v2/models/orchard_forest/versions/f1`)).body, forestMeta.body);
    const cls = await get(`${s.url}/v2/models/orchard_classifier`);
    t.same(cls.body.inputs, [{ name: 'X', datatype: 'FP32', shape: [-1, 2] }]);
    t.same(cls.body.outputs, [
      { name: 'label', datatype: 'INT64', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    ]);
    const mixed = await get(`${s.url}/v2/models/orchard_mixed`);
    t.same(mixed.body.inputs.map((i: { datatype: string }) => i.datatype), ['INT64', 'BOOL', 'BYTES']);
  });

  t.test('infer: flat and nested data give onnxruntime\'s answers; id echoed; parameters ignored', async (t) => {
    const x = rows(4, 3);
    const want = (await reference.runFeeds({ input: x })).variable as TensorValue;
    const flat = await infer('orchard_forest', { id: 'req-1', parameters: { x: 1 }, inputs: [{ name: 'input', shape: [4, 5], datatype: 'FP32', data: x.flat(), parameters: { y: 2 } }] });
    t.equal(flat.status, 200);
    t.equal(flat.body.id, 'req-1');
    t.equal(flat.body.model_name, 'orchard_forest');
    t.equal(flat.body.model_version, 'f1');
    t.equal(flat.body.outputs.length, 1);
    const out = flat.body.outputs[0];
    t.equal(out.name, 'variable');
    t.equal(out.datatype, 'FP32');
    t.same(out.shape, want.dims);
    t.ok(out.data.every((v: number, i: number) => close(v, (want.data as Float32Array)[i]!)), 'the values onnxruntime gives');
    const nested = await post(`${s.url}/v2/models/orchard_forest/versions/f1/infer`, { inputs: [{ name: 'input', shape: [4, 5], datatype: 'FP32', data: x }] });
    t.equal(nested.status, 200);
    t.same(nested.body.outputs, flat.body.outputs, 'nested row-major data is the same request');
    t.notOk('id' in nested.body, 'no id when none was sent');
  });

  t.test('infer of classifiers: INT64 labels and FP32 probabilities; a ZipMap as FP32 [N, classes]', async (t) => {
    const xs: Array<[number, number]> = [[0.2, 0.9], [0.9, 0.1], [0.9, 0.9]];
    const r = await infer('orchard_classifier', { inputs: [{ name: 'X', shape: [3, 2], datatype: 'FP32', data: xs }] });
    t.equal(r.status, 200);
    const [label, probs] = r.body.outputs;
    t.same(label, { name: 'label', datatype: 'INT64', shape: [3], data: xs.map((x) => [10, 20, 30][classifierReference(x).index]) });
    t.same(probs.shape, [3, 3]);
    t.ok(probs.data.every((p: number, i: number) => close(p, classifierReference(xs[Math.floor(i / 3)]!).probabilities[i % 3]!)));
    const only = await infer('orchard_classifier', { inputs: [{ name: 'X', shape: [3, 2], datatype: 'FP32', data: xs }], outputs: [{ name: 'probabilities' }] });
    t.same(only.body.outputs.map((o: { name: string }) => o.name), ['probabilities'], 'outputs selects');
    const z = await infer('orchard_zipped', { inputs: [{ name: 'X', shape: [3, 2], datatype: 'FP32', data: xs }] });
    t.equal(z.status, 200);
    const zip = z.body.outputs.find((o: { name: string }) => o.name === 'output_probability');
    t.same(zip.shape, [3, 3]);
    t.same(JSON.parse(zip.parameters.labels), ['low', 'mid', 'high']);
    t.ok(zip.data.every((p: number, i: number) => close(p, probs.data[i])), 'the same probabilities');
    const labels = z.body.outputs.find((o: { name: string }) => o.name === 'output_label');
    t.same(labels, { name: 'output_label', datatype: 'BYTES', shape: [3], data: xs.map((x) => ['low', 'mid', 'high'][classifierReference(x).index]) });
  });

  t.test('INT64, BOOL and BYTES inputs', async (t) => {
    const r = await infer('orchard_mixed', {
      inputs: [
        { name: 'a', shape: [3], datatype: 'INT64', data: [1, -2, 9007199254740991] },
        { name: 'flag', shape: [3], datatype: 'BOOL', data: [true, false, true] },
        { name: 'text', shape: [3], datatype: 'BYTES', data: ['x', 'é', ''] },
      ],
    });
    t.equal(r.status, 200);
    const by = Object.fromEntries(r.body.outputs.map((o: { name: string }) => [o.name, o]));
    t.same(by.y.data, [2, -2, 9007199254740992]);
    t.same(by.a_copy, { name: 'a_copy', datatype: 'INT64', shape: [3], data: [1, -2, 9007199254740991] });
    t.same(by.text_copy.data, ['x', 'é', '']);
  });

  t.test('concurrent infers are batched along dim 0 and each gets its own rows', async (t) => {
    const labels = { endpoint: '/v2/models/orchard_forest/infer' };
    const before = sample((await get(`${s.url}/metrics`)).text, 'BENTOML_orchard_adaptive_batch_size_sum', labels) ?? 0;
    const bodies = Array.from({ length: 12 }, (_, i) => rows(1 + (i % 4), 100 + i));
    const answers = await Promise.all(bodies.map((x) => infer('orchard_forest', { inputs: [{ name: 'input', shape: [x.length, 5], datatype: 'FP32', data: x }] })));
    for (const [i, a] of answers.entries()) {
      const want = (await reference.runFeeds({ input: bodies[i]! })).variable as TensorValue;
      t.equal(a.status, 200);
      t.same(a.body.outputs[0].shape, [bodies[i]!.length, 1]);
      t.ok(a.body.outputs[0].data.every((v: number, k: number) => close(v, (want.data as Float32Array)[k]!)), `request ${i}: its own rows`);
    }
    const m = (await get(`${s.url}/metrics`)).text;
    const after = sample(m, 'BENTOML_orchard_adaptive_batch_size_sum', labels) ?? 0;
    t.equal(after - before, bodies.reduce((n, b) => n + b.length, 0), 'every row went through the batcher');
    t.ok((sample(m, 'BENTOML_orchard_request_total', { endpoint: '/v2/models/:name/infer', http_response_code: '200' }) ?? 0) >= 12, 'counted under the route template');
  });

  t.test('errors: {"error"} with 4xx', async (t) => {
    const x = rows(2, 5);
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['unknown model', 'nothing', { inputs: [{ name: 'input', shape: [2, 5], datatype: 'FP32', data: x }] }, 404, /model "nothing" is not served here/],
      ['wrong datatype', 'orchard_forest', { inputs: [{ name: 'input', shape: [2, 5], datatype: 'INT64', data: x }] }, 400, /input "input" is FP32 in the model, not INT64/],
      ['unknown input', 'orchard_forest', { inputs: [{ name: 'inputs', shape: [2, 5], datatype: 'FP32', data: x }] }, 400, /"inputs" is not an input of the model/],
      ['data not the shape', 'orchard_forest', { inputs: [{ name: 'input', shape: [3, 5], datatype: 'FP32', data: x.flat() }] }, 400, /10 values for shape \[3, 5\] \(15 expected\)/],
      ['wrong fixed dim', 'orchard_forest', { inputs: [{ name: 'input', shape: [5, 2], datatype: 'FP32', data: x.flat() }] }, 400, /dimension 1 is 2; the model expects 5/],
      ['wrong rank', 'orchard_forest', { inputs: [{ name: 'input', shape: [10], datatype: 'FP32', data: x.flat() }] }, 400, /has 1 dimension/],
      ['a string for FP32', 'orchard_forest', { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: [1, 2, 'x', 4, 5] }] }, 400, /is not a number/],
      ['ragged nested data', 'orchard_forest', { inputs: [{ name: 'input', shape: [2, 5], datatype: 'FP32', data: [x[0], [...x[1]!, 1].slice(1), 7] }] }, 400, /data has 3 items where shape \[2, 5\] has 2/],
      ['nested against the shape', 'orchard_forest', { inputs: [{ name: 'input', shape: [5, 2], datatype: 'FP32', data: x }] }, 400, /data has 2 items where shape \[5, 2\] has 5/],
      ['missing input', 'orchard_mixed', { inputs: [{ name: 'a', shape: [1], datatype: 'INT64', data: [1] }] }, 400, /missing inputs "flag", "text"/],
      ['unknown output', 'orchard_forest', { inputs: [{ name: 'input', shape: [2, 5], datatype: 'FP32', data: x }], outputs: [{ name: 'nope' }] }, 400, /"nope" is not an output of the model/],
      ['no inputs', 'orchard_forest', { id: 'x' }, 400, /inputs: is required/],
      ['unknown datatype', 'orchard_forest', { inputs: [{ name: 'input', shape: [2, 5], datatype: 'FLOAT', data: x }] }, 400, /datatype/],
    ];
    for (const [what, model, body, status, message] of cases) {
      const r = await infer(model, body);
      t.equal(r.status, status, `${what}: ${status}`);
      t.match(r.body.error, message, `${what}: ${r.body.error}`);
    }
    const version = await get(`${s.url}/v2/models/orchard_forest/versions/f2`);
    t.equal(version.status, 404);
    t.match(version.body.error, /has no version "f2"; the served version is "f1"/);
    const unknown = await get(`${s.url}/v2/models/nothing/ready`);
    t.equal(unknown.status, 404);
  });
});

t.test('/v2/health/ready is honest: 503 while the models load', async (t) => {
  const slow = { ...svc };
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const real = await import('onnxruntime-node');
  const ort = (real as unknown as { default?: typeof real }).default ?? real;
  // An onnxruntime whose sessions are created only once the test says so.
  const held = { ...ort, InferenceSession: { create: async (...args: Parameters<typeof ort.InferenceSession.create>) => (await gate, ort.InferenceSession.create(...args)) } } as unknown as typeof ort;
  const { createServer } = await import('../../src/runtime/server.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bento-v2-'));
  const models = {
    forest: layModel(dir, 'orchard_forest', forestToOnnx(forest, { featureNames: FEATURES }), FEATURES),
    classifier: layModel(dir, 'orchard_classifier', treeClassifierOnnx({ labels: [1, 2, 3], zipMap: false })),
    zipped: layModel(dir, 'orchard_zipped', treeClassifierOnnx({ labels: [1, 2, 3], zipMap: true })),
    mixed: layModel(dir, 'orchard_mixed', mixedInputsOnnx()),
  };
  const app = await createServer({ service: slow, models, version: 'test', onnxruntime: held });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const notYet = await get(`${url}/v2/health/ready`);
  t.equal(notYet.status, 503);
  t.match(notYet.body.error, /not ready/);
  t.equal((await get(`${url}/v2/models/orchard_forest/ready`)).status, 503);
  t.equal((await get(`${url}/v2/health/live`)).status, 200);
  release();
  await app.bento.loaded;
  t.equal((await get(`${url}/v2/health/ready`)).status, 200);
});
