// The formats a client sends to a rows API — JSON records, JSON columns, CSV — and the formats it answers
// in — JSON, CSV on `accept: text/csv` — against a real bento server in a child process on a real port:
// every format gives the predictions its records give, bad values are named (row, column, CSV line),
// and hostile CSV is a quick 4xx that leaves the server serving.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { svc } from '../../service.js';
import { makeBento, spawnServer, stopServer, waitForStatus, type Served } from '../kit/bento.js';
import { post, rawRequest } from '../kit/http.js';
import { expected, FEATURES, HEART_RATE, matches, randomRecords, rng } from '../kit/model.js';
import { monitored, serve } from './monitoring/reference-kit.js';

type Row = Record<string, unknown>;

/** The CSV of `records`, every key a column, `eol` between lines; missing and null are empty fields. */
function toCsv(records: Row[], eol = '\n'): string {
  const names = Object.keys(records[0]!);
  const cell = (v: unknown): string => (v === undefined || v === null ? '' : /[",\r\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  return [names.map(cell).join(','), ...records.map((r) => names.map((n) => cell(r[n])).join(','))].join(eol) + eol;
}

/** The JSON columns of `records` (pandas' orient="list"); a missing value is null. */
function toColumns(records: Row[]): Record<string, unknown[]> {
  return Object.fromEntries(Object.keys(records[0]!).map((n) => [n, records.map((r) => r[n] ?? null)]));
}

/** Records as clients send them, some without a heart rate or with null (the model fills it). */
function records(n: number, seed: number): Row[] {
  return randomRecords(n, seed).map((r, i) => {
    if (i % 7 === 3) delete r[HEART_RATE];
    if (i % 11 === 5) r[HEART_RATE] = null;
    return r;
  });
}

let server: Served;
let predict: string;
let forest: Parameters<typeof expected>[0];

t.before(async () => {
  const bento = await makeBento(svc, { serviceModule: 'service.ts' });
  forest = bento.forest;
  t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
  server = await spawnServer(process.execPath, [path.join(bento.dir, 'src', 'service.cjs'), '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(server));
  await waitForStatus(`${server.url}/readyz`);
  predict = `${server.url}/predict`;
});

t.test('JSON records, JSON columns and CSV (LF, CRLF, BOM) give the same predictions', async (t) => {
  const rows = records(60, 5);
  const want = expected(forest, rows);
  const asRecords = await post(predict, rows);
  t.equal(asRecords.status, 200);
  t.ok(matches(asRecords.body, want), 'records: the forest’s predictions');
  const columns = await post(predict, toColumns(rows));
  t.equal(columns.status, 200);
  t.same(columns.body, asRecords.body, 'JSON columns: the same answer');
  for (const [label, body] of [
    ['CSV, LF', toCsv(rows)],
    ['CSV, CRLF', toCsv(rows, '\r\n')],
    ['CSV with a UTF-8 BOM, no final line break', `\uFEFF${toCsv(rows).trimEnd()}`],
    ['CSV with blank lines', toCsv(rows).replace('\n', '\n\n')],
  ] as const) {
    const r = await post(predict, body, 'text/csv');
    t.equal(r.status, 200, label);
    t.same(r.body, asRecords.body, `${label}: the same answer`);
  }
  const charset = await post(predict, toCsv(rows), 'text/csv; charset=utf-8');
  t.same(charset.body, asRecords.body, 'text/csv with a charset parameter');
  // Only the model's features matter: a CSV of just them (in another order) answers the same.
  const few = [...FEATURES].reverse();
  const slim = [few.join(','), ...rows.map((r) => few.map((f) => r[f] ?? '').join(','))].join('\n');
  t.same((await post(predict, slim, 'text/csv')).body, asRecords.body, 'the features alone, in any order');
});

t.test('quoted fields: commas, line breaks, doubled quotes; numbers as JSON reads them', async (t) => {
  const rows = records(4, 8);
  rows[1]!.Type = 'Run, long\r\nand "hilly"';
  rows[2]!.Type = '';
  const want = (await post(predict, rows)).body;
  const r = await post(predict, toCsv(rows), 'text/csv');
  t.equal(r.status, 200, r.text);
  t.same(r.body, want);
  // Numbers written as JSON allows (exponents, -0, spaces around), quoted or not.
  const odd = `Distance (km),Average Speed (km/h),Calories Burned,Climb (m),Average Heart rate (tpm)\n1.2e1,"15", 1.5E+3 ,-0,\n`;
  const same = await post(predict, [{ 'Distance (km)': 12, 'Average Speed (km/h)': 15, 'Calories Burned': 1500, 'Climb (m)': -0 }]);
  t.same((await post(predict, odd, 'text/csv')).body, same.body, 'exponents, a quoted number, spaces, -0, an empty field');
});

t.test('accept: text/csv answers CSV that parses back; other accepts are 406, other bodies 415', async (t) => {
  const rows = records(25, 9);
  const json = (await post(predict, rows)).body as number[];
  for (const [label, body, type] of [
    ['from records', JSON.stringify(rows), 'application/json'],
    ['from CSV', toCsv(rows), 'text/csv'],
  ] as const) {
    const r = await post(predict, body, type, { accept: 'text/csv' });
    t.equal(r.status, 200, label);
    t.match(r.headers.get('content-type'), /^text\/csv/);
    const lines = r.text.trimEnd().split('\n');
    t.equal(lines[0], 'prediction', `${label}: a header line`);
    t.same(lines.slice(1).map(Number), json, `${label}: one line per row, the JSON answer's numbers`);
  }
  const preferred = await post(predict, rows, 'application/json', { accept: 'application/json;q=0.5, text/csv' });
  t.match(preferred.headers.get('content-type'), /^text\/csv/, 'the higher q wins');
  const any = await post(predict, rows, 'application/json', { accept: '*/*' });
  t.match(any.headers.get('content-type'), /^application\/json/, '*/* is JSON');
  // (and content types other than JSON and CSV stay 415, as server.test.ts checks for more of them)
  const tsv = await post(predict, 'a\tb\n1\t2\n', 'text/tab-separated-values');
  t.same([tsv.status, tsv.body.code], [415, 'UNSUPPORTED_MEDIA_TYPE'], 'a TSV body');
  t.match(tsv.body.error, /^unsupported content type "text\/tab-separated-values": send application\/json or text\/csv$/, 'naming the types the route takes');
  for (const accept of ['image/png', 'text/html, application/xml', 'text/csv;q=0, application/json;q=0']) {
    const r = await post(predict, rows, 'application/json', { accept });
    t.equal(r.status, 406, accept);
    t.equal(r.body.code, 'NOT_ACCEPTABLE');
    t.match(r.body.error, /application\/json or text\/csv/);
  }
});

t.test('a bad value is named by row and column in every format (and by line in CSV)', async (t) => {
  const rows = records(6, 10);
  rows[3]!['Climb (m)'] = 'steep';
  delete rows[4]!['Calories Burned'];
  const asRecords = await post(predict, rows);
  t.equal(asRecords.status, 400);
  t.same(asRecords.body.details, [
    { path: '/3/Climb (m)', message: 'must be number' },
    { path: '/4/Calories Burned', message: 'is required' },
  ]);
  // (a missing value is null in JSON columns: "must be number", as a record holding null)
  const columns = await post(predict, toColumns(rows));
  t.equal(columns.status, 400);
  t.same(columns.body.details, [
    { path: '/3/Climb (m)', message: 'must be number' },
    { path: '/4/Calories Burned', message: 'must be number' },
  ]);
  // A quoted line break before the bad rows: the line numbers count it.
  rows[0]!.Type = 'two\nlines';
  const csv = await post(predict, toCsv(rows), 'text/csv');
  t.equal(csv.status, 400);
  t.equal(csv.body.code, 'INVALID_INPUT');
  t.same(csv.body.details, [
    { path: '/3/Climb (m)', message: 'must be number (line 6)' },
    { path: '/4/Calories Burned', message: 'is required (line 7)' },
  ]);
  t.equal(csv.body.error, 'invalid request body: /3/Climb (m): must be number (line 6) (and 1 more)');
  // A required column absent from the CSV: every row says so, listed up to the bound.
  const noClimb = toCsv(records(80, 11).map(({ 'Climb (m)': _, ...r }) => r));
  const missing = await post(predict, noClimb, 'text/csv');
  t.equal(missing.status, 400);
  t.equal(missing.body.details.length, 50);
  t.same(missing.body.details[0], { path: '/0/Climb (m)', message: 'is required (line 2)' });
  t.match(missing.body.error, /and more/);
  // Beyond float32, as for records.
  const huge = toCsv(records(3, 12)).replace(/\n([^\n]*)\n$/, (_m, last: string) => `\n${last.replace(/,[^,]*$/, ',1e39')}\n`);
  const beyond = await post(predict, huge, 'text/csv');
  t.equal(beyond.status, 400);
  t.match(beyond.body.error, /\/2\/Average Heart rate \(tpm\): is beyond the range of a 32-bit float .* \(line 4\)$/);
});

t.test('malformed CSV and JSON columns are 400s that name the line or the column', async (t) => {
  const head = 'Distance (km),Average Speed (km/h),Calories Burned,Climb (m)';
  const cases: Array<[string, string, RegExp]> = [
    ['a short line', `${head}\n1,2,3,4\n1,2,3\n`, /line 3: has 3 fields where the header has 4/],
    ['a long line', `${head}\n1,2,3,4,5\n`, /line 2: has 5 fields where the header has 4/],
    ['an unclosed quote', `${head}\n1,2,3,"4\n`, /line 2: a quoted field is not closed/],
    ['text after a closing quote', `${head}\n1,2,"3"x,4\n`, /line 2: a closing quote must be followed by a comma/],
    ['a quote inside a plain field', `${head}\n1,2,3 "x",4\n`, /line 2: a " inside a field that is not quoted/],
    ['a column named twice', `a,b,a\n1,2,3\n`, /line 1: the column "a" is named twice/],
    ['a __proto__ column', `__proto__,b\n1,2\n`, /line 1: a column named "__proto__"/],
    ['nothing', '\r\n\n', /the request body is empty/],
  ];
  for (const [label, body, error] of cases) {
    const r = await post(predict, body, 'text/csv');
    t.equal(r.status, 400, label);
    t.match(r.body.error, error, label);
  }
  const uneven = await post(predict, { 'Distance (km)': [1, 2], 'Climb (m)': [1] });
  t.equal(uneven.status, 400);
  t.equal(uneven.body.code, 'INVALID_INPUT');
  t.match(uneven.body.error, /column "Climb \(m\)" has 1 values where column "Distance \(km\)" has 2/);
  t.same(uneven.body.details[0].path, '/Climb (m)');
  const notColumns = await post(predict, { 'Distance (km)': 1 });
  t.equal(notColumns.status, 400, 'an object that is not columns: as before');
  t.match(notColumns.body.error, /must be array/);
  const header = await post(predict, `${head}\n`, 'text/csv');
  t.same([header.status, header.body], [200, []], 'a header alone: no rows, no predictions');
  const none = await fetch(predict, { method: 'POST' });
  t.same([none.status, ((await none.json()) as { code: string }).code], [400, 'INVALID_INPUT'], 'no body and no content type: 400, as before');
  const wrapped = await post(predict, { records: [] });
  t.equal(wrapped.status, 400, 'columns without rows still need the required columns');
  t.same(wrapped.body.details[0], { path: '/Distance (km)', message: 'is a required column, absent from the table' });

});

t.test('a 10 000-row CSV is answered whole', async (t) => {
  const rows = records(10_000, 13);
  const r = await post(predict, toCsv(rows), 'text/csv');
  t.equal(r.status, 200);
  t.ok(matches(r.body, expected(forest, rows)), '10 000 predictions, in order');
  const csv = await post(predict, toCsv(rows), 'text/csv', { accept: 'text/csv' });
  t.equal(csv.text.trimEnd().split('\n').length, 10_001, 'and as CSV: a header and 10 000 lines');
});

t.test('hostile CSV: a quick 4xx each, and the server serves on', async (t) => {
  const SIZE = 7 * 1024 * 1024;
  const bodies: Array<[string, string]> = [
    ['7 MB of commas', ','.repeat(SIZE)],
    ['7 MB of line breaks', '\n'.repeat(SIZE)],
    ['7 MB of quotes (never closed)', '"'.repeat(SIZE + 1)],
    ['a header of 5 000 columns', `${Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',')}\n`],
    ['1.4 M one-character rows', `a\n${'1\n'.repeat(1_400_000)}`],
    ['one 7 MB field', `a\n"${'x'.repeat(SIZE)}"\n`],
  ];
  for (const [label, body] of bodies) {
    const r = await post(predict, body, 'text/csv');
    t.ok(r.status >= 400 && r.status < 500, `${label}: ${r.status} ${r.body?.code}: ${String(r.body?.error).slice(0, 100)}`);
  }
  // A CSV body that never arrives whole: 408 once traffic.body_timeout (5 s) has passed, as for JSON.
  const part = toCsv(records(5, 16)).slice(0, 100);
  const host = new URL(predict).host;
  const late = await rawRequest(predict, [`POST /predict HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\n${part}`], { waitMs: 20_000 });
  t.same([late.status, late.body?.code], [408, 'REQUEST_TIMEOUT'], 'an unfinished CSV upload');
  // Random mutations of a valid CSV: a 200 or a 4xx, never a 5xx.
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  t.comment(`FUZZ_SEED=${seed}`);
  const rand = rng(seed);
  const base = Buffer.from(toCsv(records(20, 14)));
  for (let i = 0; i < 150; i++) {
    const b = Buffer.from(base);
    const at = Math.floor(rand() * b.length);
    const pick = Math.floor(rand() * 4);
    const mutated =
      pick === 0 ? b.subarray(0, at)
      : pick === 1 ? (b.fill([0x22, 0x2c, 0x0a, 0x0d, 0xff, 0x00][Math.floor(rand() * 6)]!, at, Math.min(b.length, at + 1 + Math.floor(rand() * 8))), b)
      : pick === 2 ? Buffer.concat([b.subarray(0, at), Buffer.from('"'), b.subarray(at)])
      : Buffer.concat([b.subarray(0, at), b.subarray(at, at + 200), b.subarray(at)]);
    const r = await fetch(predict, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: mutated });
    const text = await r.text();
    if (r.status >= 500) t.fail(`mutation ${i} (${pick} at ${at}): ${r.status} ${text}`);
  }
  t.equal((await post(predict, toCsv(records(3, 15)), 'text/csv')).status, 200, 'and it serves on');
});

t.test('the OpenAPI document shows the request and answer content types', async (t) => {
  const doc = (await (await fetch(`${server.url}/docs.json`)).json()) as any;
  const op = doc.paths['/predict'].post;
  t.same(Object.keys(op.requestBody.content).sort(), ['application/json', 'text/csv']);
  t.same(op.requestBody.content['application/json'].schema.items.required, (svc.apis.predict!.input.items as { required: string[] }).required, 'records, as before');
  t.match(op.description, /JSON columns/);
  t.same(Object.keys(op.responses['200'].content).sort(), ['application/json', 'text/csv']);
});

t.test('the payload log keeps a CSV or columns body as the records it holds', async (t) => {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'bento-formats-log-'));
  t.teardown(() => rmSync(logDir, { recursive: true, force: true }));
  const { app, url } = await serve(t, monitored({ payload_log: { dir: logDir } }));
  const rows = records(8, 17);
  t.equal((await post(`${url}/predict`, toCsv(rows), 'text/csv', { 'x-request-id': 'csv' })).status, 200);
  t.equal((await post(`${url}/predict`, toColumns(rows), 'application/json', { 'x-request-id': 'columns' })).status, 200);
  await app.bento.monitor.close();
  const logged = Object.fromEntries(
    readFileSync(path.join(logDir, 'predict.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { request_id: string; request: unknown })
      .map((l) => [l.request_id, l.request]),
  );
  // CSV: a missing value is a key left out; columns: null stays null.
  t.same(logged.csv, rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== undefined))));
  t.same(logged.columns, rows.map((r) => Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, r[k] ?? null]))));
});
