// The HTTP contract under random and mutated input, against a real server process (a built bento): random
// JSON values, mutated valid bodies, odd content types and headers, and malformed HTTP on a raw socket.
// Never a 5xx for input; every error answer is JSON with a code and carries an x-request-id; /predict's
// 200 is one number per record; the process stays alive and its memory bounded. Bounded in time;
// FUZZ_SEED=<seed> replays a run.
import t from 'tap';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeBento, peakRssMB, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { rawRequest } from '../kit/http.js';
import { randomRecords } from '../kit/model.js';
import { makeService } from '../kit/service.js';
import { forBudget, makeRand, mutate, randomInt, SEED, type Rand } from './fuzz-kit.js';

const FEATURES = ['Distance (km)', 'Average Speed (km/h)', 'Calories Burned', 'Climb (m)', 'Average Heart rate (tpm)'];
const KEYS = [...FEATURES, '__proto__', 'constructor', 'prototype', 'Type', '', 'a'.repeat(300), '\u0000', 'ü∂', 'toString'];
const NUMBERS = [0, -0, 1, -1, 0.5, 1e39, -1e39, 3.4e38, 1e308, 5e-324, 2 ** 53, 123456789.123, -7e-10];
const STRINGS = ['', 'x', '12', 'NaN', 'Infinity', '\u2028', '😀', '\\', '"', '<script>', 'a'.repeat(1000)];

function pick<T>(r: Rand, xs: readonly T[]): T {
  return xs[randomInt(r, xs.length)]!;
}

/** A random JSON value, nested up to `depth`. */
function randomValue(r: Rand, depth: number): unknown {
  const k = randomInt(r, depth > 0 ? 8 : 5);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, NUMBERS);
    case 3:
      return (r() - 0.5) * 10 ** randomInt(r, 40);
    case 4:
      return pick(r, STRINGS);
    case 5:
      return Array.from({ length: randomInt(r, 6) }, () => randomValue(r, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = randomInt(r, 7); i > 0; i--) Object.defineProperty(o, pick(r, KEYS), { value: randomValue(r, depth - 1), enumerable: true, configurable: true, writable: true });
      return o;
    }
  }
}

/** Records that are nearly valid: each field may be dropped, retyped or pushed to an extreme. */
function nearRecords(r: Rand): unknown[] {
  return randomRecords(1 + randomInt(r, 20), randomInt(r, 1e6)).map((rec) => {
    const out: Record<string, unknown> = { ...rec };
    for (const f of FEATURES) {
      const roll = r();
      if (roll < 0.05) delete out[f];
      else if (roll < 0.1) out[f] = randomValue(r, 1);
      else if (roll < 0.15) out[f] = pick(r, NUMBERS);
    }
    return out;
  });
}

function deep(r: Rand): string {
  const n = 1 + randomInt(r, 5000);
  return r() < 0.5 ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n);
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset=latin1',
  'application/json; boundary=x',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=z',
  'application/xml',
  'application/',
  ';;;',
  '',
];

interface Case {
  what: string;
  path: string;
  body: string | Buffer;
  headers: Record<string, string>;
}

function randomCase(r: Rand, valid: Buffer): Case {
  const path = r() < 0.85 ? '/predict' : pick(r, ['/slow', '/predict/', '/PREDICT', '/predict?x=1', '/v2/models', '/nope', '/%zz', '/predict#a']);
  const headers: Record<string, string> = { 'content-type': r() < 0.8 ? 'application/json' : pick(r, CONTENT_TYPES) };
  if (r() < 0.1) headers['x-request-id'] = pick(r, ['ok-1', 'a b', 'é<>', 'x'.repeat(200), '']);
  if (r() < 0.05) headers['accept'] = pick(r, ['text/html', '*/*', 'application/xml']);
  let what: string;
  let body: string | Buffer;
  switch (randomInt(r, 4)) {
    case 0:
      body = JSON.stringify(randomValue(r, 4)) ?? 'null';
      what = 'random JSON';
      break;
    case 1:
      body = JSON.stringify(nearRecords(r));
      what = 'near-valid records';
      break;
    case 2: {
      const m = mutate(r, valid);
      body = m.bytes;
      what = `valid body, ${m.what}`;
      break;
    }
    default:
      body = deep(r);
      what = 'deep nesting';
  }
  return { what, path, body, headers };
}

/** Malformed or unusual HTTP, written on a raw socket. */
function rawCase(r: Rand, valid: string): { what: string; parts: string[] } {
  const base = `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`;
  const cases: Array<() => { what: string; parts: string[] }> = [
    () => ({ what: 'length larger than the body, then close', parts: [`${base}Content-Length: ${valid.length + 10}\r\n\r\n${valid}`] }),
    () => ({ what: 'length smaller than the body', parts: [`${base}Content-Length: 5\r\n\r\n${valid}`] }),
    () => ({ what: 'negative length', parts: [`${base}Content-Length: -1\r\n\r\n[]`] }),
    () => ({ what: 'two lengths', parts: [`${base}Content-Length: 2\r\nContent-Length: 4\r\n\r\n[]`] }),
    () => ({ what: 'bad chunk size', parts: [`${base}Transfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n`] }),
    () => ({ what: 'chunked and a length', parts: [`${base}Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n[]\r\n0\r\n\r\n`] }),
    () => ({ what: 'chunked, well formed', parts: [`${base}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${valid.length.toString(16)}\r\n${valid}\r\n0\r\n\r\n`] }),
    () => ({ what: 'bad request line', parts: [`${pick(r, ['GET', 'P0ST', 'POST  /predict', 'POST /predict HTTP/9.9', '\u0000'])}\r\n\r\n`] }),
    () => ({ what: 'header without a colon', parts: [`${base}Broken header\r\nContent-Length: 2\r\n\r\n[]`] }),
    () => ({ what: 'huge header', parts: [`${base}X-Big: ${'a'.repeat(10_000 + randomInt(r, 30_000))}\r\nContent-Length: 2\r\n\r\n[]`] }),
    () => ({ what: 'many headers', parts: [`${base}${Array.from({ length: 3000 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\nContent-Length: 2\r\n\r\n[]`] }),
    () => ({ what: 'Expect over the limit', parts: [`${base}Expect: 100-continue\r\nContent-Length: ${11 * 1024 * 1024 + randomInt(r, 1e9)}\r\n\r\n`] }),
    () => ({ what: 'odd Expect', parts: [`${base}Expect: ${pick(r, ['x', '100-continue, x', ''])}\r\nContent-Length: 2\r\n\r\n[]`] }),
    () => ({ what: 'bytes after the request', parts: [`${base}Content-Length: 2\r\nConnection: close\r\n\r\n[]GARBAGE\r\n\r\n`] }),
  ];
  return pick(r, cases)();
}


t.test(`HTTP fuzz (FUZZ_SEED=${SEED})`, { timeout: 180_000 }, async (t) => {
  // A short body timeout: the raw cases that never finish their body are answered (408) within a second.
  const bento = await makeBento(makeService({ body_timeout: 1 }));
  t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
  const s = await spawnServer(process.execPath, [path.join(bento.dir, 'src', 'service.cjs'), '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const validText = JSON.stringify(randomRecords(5, 3));
  const valid = Buffer.from(validText);
  const failures: string[] = [];
  const fail = (what: string, why: string): void => void (failures.length < 20 && failures.push(`${what}: ${why}`));

  const r = makeRand(1);
  const bodies = await forBudget(1500, 25_000, async (i) => {
    const c = randomCase(r, valid);
    const what = `#${i} ${c.what} → ${c.path} (${c.headers['content-type']})`;
    let res: Response;
    try {
      res = await fetch(`${s.url}${c.path}`, { method: 'POST', headers: c.headers, body: typeof c.body === 'string' ? c.body : new Uint8Array(c.body) });
    } catch (err) {
      fail(what, `no answer (${(err as Error).message})`);
      return;
    }
    const text = await res.text();
    if (res.status >= 500) fail(what, `${res.status} ${text.slice(0, 200)}`);
    if (!res.headers.get('x-request-id')) fail(what, 'no x-request-id');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      fail(what, `not JSON: ${text.slice(0, 100)}`);
      return;
    }
    if (res.status === 200 && c.path.startsWith('/predict')) {
      const ok = Array.isArray(parsed) && parsed.every((x) => typeof x === 'number' && Number.isFinite(x));
      if (!ok) fail(what, `a 200 that is not an array of finite numbers: ${text.slice(0, 100)}`);
    } else if (res.status >= 400) {
      const e = parsed as { code?: unknown; error?: unknown; details?: unknown };
      if (typeof e.code !== 'string' || typeof e.error !== 'string' || !Array.isArray(e.details)) fail(what, `not the error shape: ${text.slice(0, 200)}`);
    }
  });

  const rr = makeRand(2);
  const raws = await forBudget(300, 15_000, async (i) => {
    const c = rawCase(rr, validText);
    const what = `raw #${i} ${c.what}`;
    const a = await rawRequest(s.url, c.parts, { waitMs: 8000, untilAnswer: true });
    if (a.status === 0) {
      // Some malformed requests may only be closed; but never left hanging.
      if (a.ended === 'gave-up') fail(what, 'no answer and the connection left open');
      return;
    }
    if (a.status >= 500) fail(what, `${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
    if (a.status >= 400) {
      if (typeof a.body?.code !== 'string') fail(what, `not the error shape: ${a.raw.slice(0, 200)}`);
      if (!a.headers['x-request-id']) fail(what, 'no x-request-id');
    }
  });

  t.same(failures, [], `${bodies} bodies and ${raws} raw requests: no 5xx, every answer in shape`);
  t.equal(s.child.exitCode, null, 'the server process is alive');
  t.equal((await fetch(`${s.url}/livez`)).status, 200, 'and answers');
  const peak = peakRssMB(s.child.pid!);
  if (peak !== undefined) t.ok(peak < 500, `peak RSS ${peak.toFixed(0)} MB < 500 MB`);
});
