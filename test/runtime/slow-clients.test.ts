// Clients that do not finish their request, and requests Node's HTTP layer refuses by itself: a body must
// arrive within traffic.body_timeout (else 408, the slot freed) while ordinary requests keep being served,
// and every answer of Node's own layer (400, 408, 413 on Expect, 417, 431) is the service's JSON with an
// x-request-id, counted in /metrics.
import t, { type Test } from 'tap';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { makeBento, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { get, post, rawRequest, sample, start, type RawAnswer } from '../kit/http.js';
import { randomRecords } from '../kit/model.js';
import { makeService } from '../kit/service.js';

const TOTAL = 'BENTOML_activities_model_request_total';
const head = (extra = ''): string => `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}`;

function isServiceJson(t: Test, r: RawAnswer, status: number, code: string, what: string): void {
  t.equal(r.status, status, `${what}: ${status}`);
  t.equal(r.body?.code, code, `${what}: code ${code}`);
  t.type(r.body?.error, 'string', `${what}: a message`);
  t.same(r.body?.details, r.body?.details ?? [], `${what}: details`);
  t.match(r.headers['x-request-id'] ?? '', /^[\w.:-]{8,}$/, `${what}: x-request-id`);
  t.match(r.headers['content-type'] ?? '', /application\/json/, `${what}: JSON`);
}

t.test('uploads that never finish are answered 408 and hold no slot', async (t) => {
  // 4 slots, 40 slow clients: before, they took every slot and every /predict was 429 until they gave up.
  const s = await start(makeService({ max_concurrency: 4, body_timeout: 1 }));
  t.teardown(s.close);
  const slow: Array<Promise<RawAnswer>> = [];
  for (let i = 0; i < 40; i++) {
    const kind = i % 3;
    const parts =
      kind === 0
        ? [`${head('Content-Length: 1000\r\n')}\r\n[`] // a declared length never reached
        : kind === 1
          ? [`${head('Transfer-Encoding: chunked\r\n')}\r\n1\r\n[\r\n`] // a chunked body never ended
          : [`${head('Content-Length: 100\r\n')}\r\n`, '[', '1', ',', '2', ',', '3', ',']; // a trickle, 1 byte / 400 ms
    slow.push(rawRequest(s.url, parts, { gapMs: 400, waitMs: 10_000 }));
  }
  await new Promise((r) => setTimeout(r, 200));
  const ordinary = [];
  for (let i = 0; i < 10; i++) ordinary.push((await post(`${s.url}/predict`, randomRecords(2, i))).status);
  t.same(ordinary, Array(10).fill(200), 'ordinary requests are answered meanwhile');
  const answers = await Promise.all(slow);
  answers.forEach((r, i) => {
    isServiceJson(t, r, 408, 'REQUEST_TIMEOUT', `slow client ${i}`);
    t.equal(r.ended, 'closed', `slow client ${i}: connection closed`);
  });
  t.match(answers[0]!.body.error, /within 1 s/, 'the message names the limit');
  const m = (await get(`${s.url}/metrics`)).text;
  t.equal(sample(m, TOTAL, { endpoint: '/predict', http_response_code: '408' }), 40, 'every 408 counted under its route');
  t.equal(sample(m, 'BENTOML_activities_model_request_in_progress', { endpoint: '/predict' }), 0, 'none left in progress');
  t.equal((await post(`${s.url}/predict`, randomRecords(1))).status, 200, 'and the server serves on');
});

t.test("Node's own answers are the service's JSON, with a request id, counted", async (t) => {
  const s = await start(makeService({ body_timeout: 5 }));
  t.teardown(s.close);
  const big = await rawRequest(s.url, [`${head('Expect: 100-continue\r\nContent-Length: 20000000\r\n')}\r\n`]);
  isServiceJson(t, big, 413, 'PAYLOAD_TOO_LARGE', 'Expect: 100-continue over the limit');
  t.notMatch(big.raw, /100 Continue/, 'refused at once: never invited to send the body');
  const fine = await rawRequest(s.url, [`${head('Expect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n')}\r\n`, '[]'], { gapMs: 100 });
  t.match(fine.raw, /^HTTP\/1\.1 100 Continue/, 'a body within the limit is invited');
  t.equal(fine.status, 200, 'and answered');
  isServiceJson(t, await rawRequest(s.url, [`${head('Expect: teapot\r\nContent-Length: 2\r\n')}\r\n[]`]), 417, 'EXPECTATION_FAILED', 'an unknown Expect');
  isServiceJson(t, await rawRequest(s.url, ['GARBAGE\r\n\r\n']), 400, 'BAD_REQUEST', 'a malformed request line');
  isServiceJson(t, await rawRequest(s.url, [`${head('Content-Length: 2\r\nContent-Length: 3\r\n')}\r\n[]`]), 400, 'BAD_REQUEST', 'two Content-Lengths');
  isServiceJson(t, await rawRequest(s.url, [`GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]), 431, 'HEADERS_TOO_LARGE', 'headers too large');
  const m = (await get(`${s.url}/metrics`)).text;
  t.equal(sample(m, TOTAL, { endpoint: '/predict', http_response_code: '413' }), 1);
  t.equal(sample(m, TOTAL, { endpoint: '/predict', http_response_code: '417' }), 1);
  t.equal(sample(m, TOTAL, { endpoint: 'unknown', http_response_code: '400' }), 2, 'a request Node could not parse has no route');
  t.equal(sample(m, TOTAL, { endpoint: 'unknown', http_response_code: '431' }), 1);
});

t.test('SIGTERM while clients trickle bodies: they are cut short, the drain does not wait for them', { timeout: 60_000 }, async (t) => {
  const svc = makeService({ body_timeout: 30 }); // far longer than the drain may take
  const bento = await makeBento(svc);
  t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
  const s = await spawnServer(process.execPath, [path.join(bento.dir, 'src', 'service.cjs'), '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const slow = Array.from({ length: 20 }, () => rawRequest(s.url, [`${head('Content-Length: 1000\r\n')}\r\n[`], { waitMs: 25_000 }));
  const inflight = post(`${s.url}/slow`, { ms: 500 });
  await new Promise((r) => setTimeout(r, 200));
  s.child.kill('SIGTERM');
  t.equal((await inflight).status, 200, 'the request in flight is answered');
  const answers = await Promise.all(slow);
  answers.forEach((r, i) => {
    t.equal(r.status, 408, `slow client ${i}: 408`);
    t.match(r.body?.error, /shutting down/, `slow client ${i}: because the server is shutting down, not its body timeout`);
  });
  t.same(await s.exited, { code: 0, signal: null }, 'exit 0');
});
