// The typed client against a real server (createServer on a real port) and against small scripted HTTP
// servers for the failure paths: retries on 429/503 with Retry-After, timeouts, aborts, refused connections.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { BentoClient, ConnectionError, retryDelay, ServerError, TimeoutError, AbortedError, DEFAULT_RETRY } from '../../src/client/index.js';
import { svc } from '../../service.js';
import { start } from '../kit/http.js';
import { expected, matches, randomRecords } from '../kit/model.js';
import { freePort } from '../kit/ports.js';

/** A scripted server: `answer(n)` gives the n-th request's status, headers and body (or null: never answer). */
async function scripted(t: Test, answer: (n: number, req: http.IncomingMessage) => { status: number; headers?: Record<string, string>; body?: unknown } | null) {
  let n = 0;
  const hung: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer(n++, req);
      if (a === null) return void hung.push(res);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(JSON.stringify(a.body ?? null));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n };
}

t.test('one typed method per API: predict answers what the model predicts, in order', async (t) => {
  const s = await start(svc);
  t.teardown(() => s.close());
  const client = new BentoClient<typeof svc>(s.url);
  t.teardown(() => client.close());
  await client.ready({ timeoutMs: 10_000 });
  const records = randomRecords(25);
  const got = await client.predict(records);
  t.ok(matches(got, expected(s.forest, records)), 'the forest predictions, one per record');
  const again = await Promise.all([client.predict(records.slice(0, 3)), client.call<number[]>('predict', records.slice(3, 5))]);
  t.equal(again[0].length, 3);
  t.equal(again[1].length, 2);
  t.equal(await Promise.resolve(client), client, 'a client is not a thenable (no "then" API is invented)');
});

t.test('an error answer is a ServerError with the server code, details and request id, and is not retried', async (t) => {
  const s = await start(svc);
  t.teardown(() => s.close());
  const client = new BentoClient<typeof svc>(s.url);
  t.teardown(() => client.close());
  const err = await client.predict([{ 'Distance (km)': 'far' } as never]).catch((e: unknown) => e);
  t.type(err, ServerError);
  const e = err as ServerError;
  t.equal(e.status, 400);
  t.equal(e.code, 'INVALID_INPUT');
  t.match(e.details[0], { path: /^\/0\// });
  t.type(e.requestId, 'string');

  const srv = await scripted(t, () => ({ status: 400, body: { error: 'nope', code: 'INVALID_INPUT', details: [] } }));
  const c2 = new BentoClient(srv.url, { routes: { predict: '/predict' } });
  t.teardown(() => c2.close());
  await t.rejects(c2.call('predict', []), { code: 'INVALID_INPUT', status: 400 });
  t.equal(srv.count(), 1, 'a 400 is final');
});

t.test('429 and 503 are retried (bounded), honouring Retry-After', async (t) => {
  const srv = await scripted(t, (n) => (n < 2 ? { status: n === 0 ? 503 : 429, headers: { 'retry-after': '0' }, body: { error: 'busy', code: 'OVERLOADED' } } : { status: 200, body: [1.5] }));
  const client = new BentoClient(srv.url, { routes: { predict: '/predict' } });
  t.teardown(() => client.close());
  t.same(await client.call('predict', [{}]), [1.5], 'answered on the third try');
  t.equal(srv.count(), 3);

  const always = await scripted(t, () => ({ status: 503, headers: { 'retry-after': '0' }, body: { error: 'shed', code: 'OVERLOADED' } }));
  const c2 = new BentoClient(always.url, { routes: { predict: '/predict' }, retry: { retries: 2 } });
  t.teardown(() => c2.close());
  await t.rejects(c2.call('predict', []), { name: 'ServerError', code: 'OVERLOADED', status: 503 });
  t.equal(always.count(), 3, 'the first try and 2 retries, no more');

  // A Retry-After longer than the time left is not waited for: the call fails at once with the server's answer.
  const later = await scripted(t, () => ({ status: 503, headers: { 'retry-after': '30' }, body: { error: 'shed', code: 'OVERLOADED' } }));
  const c3 = new BentoClient(later.url, { routes: { predict: '/predict' } });
  t.teardown(() => c3.close());
  await t.rejects(c3.call('predict', [], { timeoutMs: 2000 }), { code: 'OVERLOADED' });
  t.equal(later.count(), 1);
});

t.test('retryDelay: Retry-After in seconds or as a date, capped; otherwise full jitter that doubles', async (t) => {
  t.equal(retryDelay(0, '1', DEFAULT_RETRY), 1000);
  t.equal(retryDelay(0, '120', DEFAULT_RETRY), DEFAULT_RETRY.maxDelayMs, 'capped');
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.equal(retryDelay(0, 'Thu, 01 Jan 2026 00:00:01 GMT', DEFAULT_RETRY, Math.random, now), 1000);
  t.equal(retryDelay(3, undefined, DEFAULT_RETRY, () => 0.999999), Math.floor(0.999999 * 400));
  t.equal(retryDelay(10, undefined, DEFAULT_RETRY, () => 0.5), DEFAULT_RETRY.maxDelayMs / 2, 'the ceiling stops at maxDelayMs');
  t.equal(retryDelay(1, 'soon', DEFAULT_RETRY, () => 0), 0, 'an unreadable Retry-After falls back to the backoff');
});

t.test('timeouts, aborts and refused connections are typed errors', async (t) => {
  const silent = await scripted(t, () => null);
  const client = new BentoClient(silent.url, { routes: { predict: '/predict' } });
  t.teardown(() => client.close());
  const timedOut = await client.call('predict', [], { timeoutMs: 300 }).catch((e: unknown) => e);
  t.type(timedOut, TimeoutError);
  t.equal((timedOut as TimeoutError).code, 'TIMEOUT');

  const ac = new AbortController();
  const pending = client.call('predict', [], { signal: ac.signal, timeoutMs: 10_000 });
  setTimeout(() => ac.abort(), 100);
  t.type(await pending.catch((e: unknown) => e), AbortedError);

  const port = await freePort();
  const nowhere = new BentoClient(`http://127.0.0.1:${port}`, { routes: { predict: '/predict' }, retry: { retries: 1, baseDelayMs: 1 } });
  t.teardown(() => nowhere.close());
  const refused = await nowhere.call('predict', []).catch((e: unknown) => e);
  t.type(refused, ConnectionError);
  t.equal((refused as ConnectionError).code, 'ECONNREFUSED');
});

t.test('ready() waits for /readyz 200, and times out when it never comes', async (t) => {
  const srv = await scripted(t, (n, req) => (req.url === '/readyz' ? { status: n < 3 ? 503 : 200, body: {} } : { status: 404 }));
  const client = new BentoClient(srv.url);
  t.teardown(() => client.close());
  await client.ready({ timeoutMs: 10_000, intervalMs: 10 });
  t.equal(srv.count(), 4, 'three 503s, then ready');
  const never = await scripted(t, () => ({ status: 503, body: {} }));
  const c2 = new BentoClient(never.url);
  t.teardown(() => c2.close());
  await t.rejects(c2.ready({ timeoutMs: 200, intervalMs: 20 }), TimeoutError);
});
