// Bodies built to cost the server: millions of items (the work of parsing and validating them must stay
// bounded, and so must memory), numbers beyond float32, and prototype-poisoning keys — each a 4xx that says
// what is wrong, from a real child process whose peak memory is read from /proc.
import t from 'tap';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeBento, peakRssMB, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { post, start } from '../kit/http.js';
import { randomRecords } from '../kit/model.js';
import { makeService, svc } from '../kit/service.js';


const SIZE = 7 * 1024 * 1024;
const fill = (item: string): string => `[${Array(Math.floor(SIZE / (item.length + 1))).fill(item).join(',')}]`;

t.test('7 MB of tiny items: refused or listed up to a bound, memory bounded', { timeout: 120_000 }, async (t) => {
  const bento = await makeBento(svc);
  t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
  const s = await spawnServer(process.execPath, [path.join(bento.dir, 'src', 'service.cjs'), '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  // 7 MB of each, and the most a body may hold of each (values and containers just within the limits).
  const most = (item: string, n: number): string => `[${Array(n).fill(item).join(',')}]`;
  const bodies = [...['[]', '0', '{}', 'null', '"x"', '[[[]]]'].map(fill), most('0', 1_300_000), most('{}', 160_000), most('[0,0,0,0,0,0,0]', 160_000)];
  for (const body of bodies) {
    const r = await post(`${s.url}/predict`, body);
    t.ok(r.status === 400 || r.status === 413, `${body.slice(0, 12)}…: ${r.status} ${r.body?.code}`);
    t.ok(Array.isArray(r.body?.details) && r.body.details.length <= 50, 'at most 50 details');
  }
  const five = await Promise.all(Array.from({ length: 5 }, (_, i) => post(`${s.url}/predict`, bodies[i % bodies.length]!)));
  t.ok(five.every((r) => r.status === 400 || r.status === 413), 'five at once: all refused');
  const peak = peakRssMB(s.child.pid!);
  if (peak !== undefined) t.ok(peak < 500, `peak RSS ${peak.toFixed(0)} MB < 500 MB`);
  t.equal((await post(`${s.url}/predict`, randomRecords(3))).status, 200, 'and it serves on');
});

t.test('validation lists at most 50 problems, and says there are more', async (t) => {
  const s = await start(makeService());
  t.teardown(s.close);
  const records = randomRecords(5000).map((r) => ({ ...r, 'Climb (m)': 'steep' }));
  const r = await post(`${s.url}/predict`, records);
  t.equal(r.status, 400);
  t.equal(r.body.code, 'INVALID_INPUT');
  t.equal(r.body.details.length, 50);
  t.same(r.body.details[49], { path: '/49/Climb (m)', message: 'must be number' }, 'the first 50, in order');
  t.match(r.body.error, /^invalid request body: \/0\/Climb \(m\): must be number \(and more/);
  const few = await post(`${s.url}/predict`, records.slice(0, 3));
  t.match(few.body.error, /\(and 2 more\)$/, 'a short list is counted exactly');
});

t.test('numbers beyond float32 are refused, naming the record and the field', async (t) => {
  const s = await start(makeService());
  t.teardown(s.close);
  for (const [field, value] of [['Climb (m)', 1e39], ['Calories Burned', -1e39], ['Average Speed (km/h)', 1.7976931348623157e308]] as const) {
    const records = randomRecords(3);
    records[2]![field] = value;
    const r = await post(`${s.url}/predict`, records);
    t.equal(r.status, 400, `${field} = ${value}`);
    t.equal(r.body.code, 'INVALID_INPUT');
    t.same(r.body.details, [{ path: `/2/${field}`, message: r.body.details[0]?.message }]);
    t.match(r.body.error, /32-bit float/);
  }
  const edge = randomRecords(1);
  edge[0]!['Climb (m)'] = 3.4e38;
  t.equal((await post(`${s.url}/predict`, edge)).status, 200, 'the largest float32 is fine');
});

t.test('prototype-poisoning keys are refused with a message that says so', async (t) => {
  const s = await start(makeService());
  t.teardown(s.close);
  for (const [body, at] of [
    ['[{"__proto__": {"x": 1}}]', '/0/__proto__'],
    ['{"ms": 1, "__proto__": {"x": 1}}', '/__proto__'],
    ['[{"a": {"constructor": {"prototype": {"x": 1}}}}]', '/0/a/constructor/prototype'],
    ['[{"\\u005f_proto__": {}}]', '/0/__proto__'],
  ] as const) {
    const r = await post(`${s.url}${body.startsWith('{') ? '/slow' : '/predict'}`, body);
    t.equal(r.status, 400, body);
    t.equal(r.body.code, 'BAD_REQUEST');
    t.notMatch(r.body.error, /not valid JSON/, 'not called invalid JSON');
    t.match(r.body.error, /prototype/);
    t.equal(r.body.details[0]?.path, at);
  }
  const fine = randomRecords(1);
  fine[0]!.constructor_name = 'x';
  t.equal((await post(`${s.url}/predict`, fine)).status, 200, 'ordinary keys pass');
});
