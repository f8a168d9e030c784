// The HTTP contract of createServer, on a real port with real onnxruntime: good and bad bodies, the error
// shape, request ids, health, docs, and answers in order under concurrency.
import t from 'tap';
import { svc } from '../../service.js';
import { expected, matches, randomRecords } from '../kit/model.js';
import { get, post, start } from '../kit/http.js';

t.test('the activities API', async (t) => {
  const s = await start(svc);
  t.teardown(s.close);
  const predict = `${s.url}/predict`;

  t.test('answers one prediction per record, in order, with extra fields accepted', async (t) => {
    const records = randomRecords(7);
    const r = await post(predict, records);
    t.equal(r.status, 200);
    t.ok(matches(r.body, expected(s.forest, records)));
    t.match(r.headers.get('content-type'), /application\/json/);
  });

  t.test('fills a missing or null heart rate and clamps distance, as the pipeline did', async (t) => {
    const [a, b] = randomRecords(2, 11);
    delete a!['Average Heart rate (tpm)'];
    b!['Average Heart rate (tpm)'] = null;
    b!['Distance (km)'] = 400;
    const r = await post(predict, [a, b]);
    t.equal(r.status, 200);
    t.ok(matches(r.body, expected(s.forest, [a!, b!])));
  });

  t.test('an empty array gets an empty array', async (t) => {
    const r = await post(predict, []);
    t.equal(r.status, 200);
    t.same(r.body, []);
  });

  t.test('a non-numeric feature is 400 INVALID_INPUT naming the record and field', async (t) => {
    const records = randomRecords(5);
    records[3]!['Climb (m)'] = 'steep';
    const r = await post(predict, records);
    t.equal(r.status, 400);
    t.same(Object.keys(r.body).sort(), ['code', 'details', 'error']);
    t.equal(r.body.code, 'INVALID_INPUT');
    t.same(r.body.details, [{ path: '/3/Climb (m)', message: 'must be number' }]);
    t.match(r.body.error, /\/3\/Climb \(m\)/);
  });

  t.test('a missing required feature is named in the path', async (t) => {
    const records = randomRecords(2);
    delete records[0]!['Climb (m)'];
    const r = await post(predict, records);
    t.equal(r.status, 400);
    t.same(r.body.details, [{ path: '/0/Climb (m)', message: 'is required' }]);
  });

  t.test('a numeric string is not coerced into a number', async (t) => {
    const records = randomRecords(1);
    records[0]!['Calories Burned'] = '1200';
    const r = await post(predict, records);
    t.equal(r.status, 400);
    t.same(r.body.details, [{ path: '/0/Calories Burned', message: 'must be number' }]);
  });

  t.test('a body of the wrong shape is 400 INVALID_INPUT', async (t) => {
    for (const body of [{ records: [] }, 42, [1, 2], [null]]) {
      const r = await post(predict, body);
      t.equal(r.status, 400, JSON.stringify(body));
      t.equal(r.body.code, 'INVALID_INPUT');
      t.ok(r.body.details.length > 0);
    }
  });

  t.test('a body that is not JSON is 400 BAD_REQUEST', async (t) => {
    for (const body of ['[{"Distance (km)": 1,', '', 'NaN', '{"__proto__": {"x": 1}}']) {
      const r = await post(predict, body);
      t.equal(r.status, 400, JSON.stringify(body));
      t.ok(['BAD_REQUEST', 'INVALID_INPUT'].includes(r.body.code), r.text);
      t.same(Object.keys(r.body).sort(), ['code', 'details', 'error']);
    }
    const bad = await post(predict, '[{"a": 1,]');
    t.equal(bad.body.code, 'BAD_REQUEST');
  });

  t.test('a wrong content type is 415', async (t) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const r = await post(predict, '[]', type);
      t.equal(r.status, 415, type);
      t.equal(r.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  t.test('an unknown route or method is a 404 in the error shape', async (t) => {
    for (const r of [await get(`${s.url}/nope`), await get(predict), await post(`${s.url}/predict/extra`, [])]) {
      t.equal(r.status, 404);
      t.equal(r.body.code, 'NOT_FOUND');
      t.same(r.body.details, []);
    }
  });

  t.test('every answer carries a request id; an incoming one is honoured', async (t) => {
    const given = await post(predict, [], 'application/json', { 'x-request-id': 'trace-123' });
    t.equal(given.headers.get('x-request-id'), 'trace-123');
    const made = await post(predict, 'oops');
    const other = await post(predict, 'oops');
    t.match(made.headers.get('x-request-id'), /^[\w.:-]{8,}$/);
    t.not(made.headers.get('x-request-id'), other.headers.get('x-request-id'), 'a new id per request');
    const unsafe = await get(`${s.url}/livez`, { 'x-request-id': 'a b<script>' });
    t.not(unsafe.headers.get('x-request-id'), 'a b<script>', 'an unsafe id is replaced');
    t.ok((await get(`${s.url}/nope`)).headers.get('x-request-id'));
  });

  t.test('health endpoints', async (t) => {
    for (const p of ['/livez', '/healthz', '/readyz']) t.equal((await get(s.url + p)).status, 200, p);
  });

  t.test('docs: Swagger UI and an OpenAPI 3.1 document from the same schemas', async (t) => {
    const ui = await get(`${s.url}/docs`);
    t.equal(ui.status, 200);
    t.match(ui.text, /swagger/i);
    const root = await fetch(`${s.url}/`, { redirect: 'manual' });
    t.equal(root.status, 302, 'the service\'s address leads to its docs');
    t.equal(root.headers.get('location'), '/docs');
    t.match((await get(`${s.url}/`)).text, /swagger/i, 'followed, it is Swagger UI');
    const doc = await get(`${s.url}/docs.json`);
    t.equal(doc.status, 200);
    t.match(doc.body.openapi, /^3\./);
    const op = doc.body.paths['/predict'].post;
    t.ok(op, 'POST /predict documented');
    t.same(op.requestBody.content['application/json'].schema.items.required, svc.apis.predict!.input.items && (svc.apis.predict!.input.items as { required: string[] }).required);
    t.notOk(doc.body.paths['/metrics'], 'internal routes are hidden');
  });

  t.test('concurrent requests each get their own answers, in order', async (t) => {
    const batches = Array.from({ length: 60 }, (_, i) => randomRecords(1 + (i % 9) * 13, 100 + i));
    const answers = await Promise.all(batches.map((records) => post(predict, records)));
    answers.forEach((r, i) => {
      t.equal(r.status, 200);
      t.ok(matches(r.body, expected(s.forest, batches[i]!)), `request ${i}`);
    });
  });

  t.test('a 10 000-record request is answered whole, split across batches', async (t) => {
    const records = randomRecords(10_000, 5);
    const r = await post(predict, records);
    t.equal(r.status, 200);
    t.equal(r.body.length, 10_000);
    t.ok(matches(r.body, expected(s.forest, records)));
  });
});

t.test('a body over the size limit is 413', async (t) => {
  const s = await start(svc, { bodyLimit: 2048 });
  t.teardown(s.close);
  const r = await post(`${s.url}/predict`, randomRecords(100));
  t.equal(r.status, 413);
  t.equal(r.body.code, 'PAYLOAD_TOO_LARGE');
  t.equal((await post(`${s.url}/predict`, randomRecords(2))).status, 200, 'small bodies still pass');
});

t.test("the service's traffic.max_request_size is the body limit, and the 413 says so", async (t) => {
  const { makeService } = await import('../kit/service.js');
  const s = await start(makeService({ max_request_size: 2048 }));
  t.teardown(s.close);
  const r = await post(`${s.url}/predict`, randomRecords(100));
  t.equal(r.status, 413);
  t.equal(r.body.error, "the request body is larger than this server accepts (2048 bytes: the service's traffic.max_request_size)");
  t.equal((await post(`${s.url}/predict`, randomRecords(2))).status, 200, 'small bodies still pass');
});

t.test('a service whose APIs are not batchable runs each request alone', async (t) => {
  const { makeService } = await import('../kit/service.js');
  const s = await start(makeService({ batchable: false }));
  t.teardown(s.close);
  const records = randomRecords(4);
  const r = await post(`${s.url}/predict`, records);
  t.ok(matches(r.body, expected(s.forest, records)));
});
