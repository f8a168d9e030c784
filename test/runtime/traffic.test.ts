// Load behaviour of createServer, with real sessions slowed down on purpose (fixtures/slow-ort.ts):
// batching merges concurrent requests, shedding (503 + Retry-After), traffic.timeout (504),
// max_concurrency (429), and /readyz before the models are loaded and while shutting down.
import t from 'tap';
import { expected, matches, randomRecords } from '../kit/model.js';
import { get, post, sample, start } from '../kit/http.js';
import { makeService } from '../kit/service.js';
import { slowOrt, type OrtControl } from '../kit/slow-ort.js';

const BATCH = 'BENTOML_activities_model_adaptive_batch_size';

t.test('concurrent requests are merged into one model call and answered in order', async (t) => {
  const ctl: OrtControl = { delayMs: 0, calls: [] };
  // A generous latency budget: this test is about merging and order, and must not shed on a loaded machine.
  const s = await start(makeService({ max_latency_ms: 5000 }), { onnxruntime: slowOrt(ctl) });
  t.teardown(s.close);
  const initial = (await get(`${s.url}/metrics`)).text;
  const before = sample(initial, `${BATCH}_count`, { endpoint: '/predict' })!;
  const rowsBefore = sample(initial, `${BATCH}_sum`, { endpoint: '/predict' })!;
  ctl.calls.length = 0;
  ctl.delayMs = 150; // the first call holds the model; everything arriving meanwhile waits for the next
  const first = post(`${s.url}/predict`, randomRecords(1, 1));
  while (ctl.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
  const bodies = Array.from({ length: 20 }, (_, i) => randomRecords(1 + (i % 3), 50 + i));
  const answers = await Promise.all(bodies.map((b) => post(`${s.url}/predict`, b)));
  await first;
  answers.forEach((r, i) => t.ok(r.status === 200 && matches(r.body, expected(s.forest, bodies[i]!)), `request ${i} answered in order`));
  const rows = bodies.reduce((n, b) => n + b.length, 0);
  t.ok(ctl.calls.length < 1 + bodies.length, `${bodies.length + 1} requests took ${ctl.calls.length} model calls (${ctl.calls.join(', ')})`);
  t.equal(ctl.calls.reduce((a, b) => a + b, 0), rows + 1, 'every row went to the model exactly once');
  const metrics = (await get(`${s.url}/metrics`)).text;
  t.equal(sample(metrics, `${BATCH}_count`, { endpoint: '/predict' })! - before, ctl.calls.length, 'the batch size histogram counts the calls');
  t.equal(sample(metrics, `${BATCH}_sum`, { endpoint: '/predict' })! - rowsBefore, rows + 1, 'and their rows');
});

t.test('max_batch_size 1: every row is its own call', async (t) => {
  const ctl: OrtControl = { delayMs: 0, calls: [] };
  const s = await start(makeService({ max_batch_size: 1 }), { onnxruntime: slowOrt(ctl) });
  t.teardown(s.close);
  ctl.calls.length = 0;
  const records = randomRecords(5);
  const r = await post(`${s.url}/predict`, records);
  t.ok(matches(r.body, expected(s.forest, records)));
  t.same(ctl.calls, [1, 1, 1, 1, 1]);
});

t.test('requests that cannot be answered within max_latency_ms are shed with 503 and Retry-After', async (t) => {
  const ctl: OrtControl = { delayMs: 40, calls: [] }; // the cost model learns 40 ms per call at warm-up
  const s = await start(makeService({ max_batch_size: 1, max_latency_ms: 100 }), { onnxruntime: slowOrt(ctl) });
  t.teardown(s.close);
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => post(`${s.url}/predict`, randomRecords(1, i))));
  const shed = answers.filter((r) => r.status === 503);
  const ok = answers.filter((r) => r.status === 200);
  t.ok(shed.length > 0, `${shed.length} of 12 shed`);
  t.ok(ok.length > 0, `${ok.length} of 12 answered`);
  t.equal(shed.length + ok.length, 12, 'nothing but 200 and 503');
  for (const r of shed) {
    t.equal(r.body.code, 'OVERLOADED');
    t.match(r.headers.get('retry-after'), /^[1-9]\d*$/);
  }
  const metrics = (await get(`${s.url}/metrics`)).text;
  t.equal(sample(metrics, 'BENTOML_activities_model_request_total', { endpoint: '/predict', http_response_code: '503' }), shed.length);
});

t.test('a request not answered within traffic.timeout is 504 TIMEOUT', async (t) => {
  const ctl: OrtControl = { delayMs: 0, calls: [] };
  const s = await start(makeService({ timeout: 0.2, max_latency_ms: 60_000 }), { onnxruntime: slowOrt(ctl) });
  t.teardown(s.close);
  ctl.delayMs = 600;
  const r = await post(`${s.url}/predict`, randomRecords(2));
  t.equal(r.status, 504);
  t.equal(r.body.code, 'TIMEOUT');
  ctl.delayMs = 0;
  await new Promise((r) => setTimeout(r, 600)); // let the slow call finish
  const again = await post(`${s.url}/predict`, randomRecords(2));
  t.equal(again.status, 200, 'the server keeps serving');
});

t.test('past traffic.max_concurrency requests in flight, new ones get 429', async (t) => {
  const s = await start(makeService({ max_concurrency: 2 }));
  t.teardown(s.close);
  const slow = [post(`${s.url}/slow`, { ms: 400 }), post(`${s.url}/slow`, { ms: 400 })];
  await new Promise((r) => setTimeout(r, 100));
  const r = await post(`${s.url}/predict`, randomRecords(1));
  t.equal(r.status, 429);
  t.equal(r.body.code, 'TOO_MANY_REQUESTS');
  t.ok(r.headers.get('retry-after'));
  t.same((await Promise.all(slow)).map((x) => x.status), [200, 200], 'the requests in flight are answered');
  t.equal((await post(`${s.url}/predict`, randomRecords(1))).status, 200, 'and then new ones are taken again');
});

t.test('clients that go away before their answer give their max_concurrency slot back', async (t) => {
  const s = await start(makeService({ max_concurrency: 2 }));
  t.teardown(s.close);
  const gone = [0, 1].map(() => {
    const ac = new AbortController();
    const p = post(`${s.url}/slow`, { ms: 300 }, 'application/json', {}, ac.signal).catch(() => 'aborted');
    return { ac, p };
  });
  await new Promise((r) => setTimeout(r, 100));
  for (const g of gone) g.ac.abort();
  t.same(await Promise.all(gone.map((g) => g.p)), ['aborted', 'aborted']);
  await new Promise((r) => setTimeout(r, 500)); // their work ends unanswered
  const r = await post(`${s.url}/predict`, randomRecords(1));
  t.equal(r.status, 200, 'a new request is admitted');
  const metrics = (await get(`${s.url}/metrics`)).text;
  t.equal(sample(metrics, 'BENTOML_activities_model_request_in_progress', { endpoint: '/slow' }), 0, 'and they are no longer in progress');
});

t.test('/readyz: 503 until the models are loaded and warmed, 200 after, 503 while shutting down', async (t) => {
  let open!: () => void;
  const ctl: OrtControl = { delayMs: 0, calls: [], gate: new Promise((r) => (open = r)) };
  const s = await start(makeService(), { onnxruntime: slowOrt(ctl), wait: false });
  let closed = false;
  t.teardown(() => (closed ? undefined : s.close()));
  const before = await get(`${s.url}/readyz`);
  t.equal(before.status, 503);
  t.equal(before.body.code, 'NOT_READY');
  t.match(before.body.error, /still loading/, 'because the models are loading');
  t.equal((await get(`${s.url}/livez`)).status, 200, 'alive meanwhile');
  const early = await post(`${s.url}/predict`, randomRecords(1));
  t.equal(early.status, 503, 'predictions wait for readiness');
  t.equal(early.body.code, 'NOT_READY');
  open();
  await s.app.bento.loaded;
  t.equal((await get(`${s.url}/readyz`)).status, 200);

  // Shutting down: not ready, no new connections, the request in flight answered.
  const inflight = post(`${s.url}/slow`, { ms: 300 });
  await new Promise((r) => setTimeout(r, 50));
  const closing = s.close().then(() => (closed = true));
  while (s.app.bento.readiness.ready) await new Promise((r) => setTimeout(r, 5)); // close() runs preClose hooks asynchronously
  // The listener is closing, so /readyz cannot be asked over HTTP: check the state it would answer from.
  t.equal(s.app.bento.readiness.state, 'stopping', 'not ready because it is shutting down (not failed, not loading)');
  t.match(s.app.bento.readiness.error(), { code: 'NOT_READY', status: 503, message: /shutting down/ }, '/readyz would answer 503 saying so');
  const refused = await fetch(`${s.url}/readyz`).then(
    (r) => r.status,
    () => 'refused',
  );
  t.equal(refused, 'refused', 'new connections are no longer accepted');
  const answered = await inflight;
  t.equal(answered.status, 200, 'the request in flight is answered');
  t.equal(answered.headers.get('connection'), 'close', 'and told to close its connection');
  await closing;
});

t.test('models that fail to load: /readyz stays 503 and says why', async (t) => {
  const ctl: OrtControl = { delayMs: 0, calls: [], gate: Promise.reject(new Error('disk on fire')) };
  ctl.gate!.catch(() => undefined);
  const s = await start(makeService(), { onnxruntime: slowOrt(ctl), wait: false });
  t.teardown(s.close);
  await t.rejects(s.app.bento.loaded, /disk on fire/);
  const r = await get(`${s.url}/readyz`);
  t.equal(r.status, 503);
  t.match(r.body.error, /disk on fire/);
});
