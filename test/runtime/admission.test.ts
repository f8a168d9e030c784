// Admission and shedding judged by time, not by counts: one slow outlier does not collapse admission,
// and bulk requests that can be answered in time are not shed for their size — in one process and on a
// real --production cluster of two workers.
import t from 'tap';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeBento, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { alone, post, start } from '../kit/http.js';
import { expected, matches, randomRecords } from '../kit/model.js';
import { makeService, svc } from '../kit/service.js';
import { slowOrt, type OrtControl } from '../kit/slow-ort.js';
import { Admission } from '../../src/runtime/batching/admission.js';

t.test('one slow request does not shrink admission', async (t) => {
  const ctl: OrtControl = { delayMs: 0, calls: [] };
  const s = await start(makeService({ max_latency_ms: 200 }), { onnxruntime: slowOrt(ctl) });
  t.teardown(s.close);
  ctl.delayMs = 350; // one outlier, well past the 200 ms budget
  t.equal((await post(`${s.url}/predict`, randomRecords(1))).status, 200);
  ctl.delayMs = 0;
  for (let round = 0; round < 3; round++) {
    await new Promise((r) => setTimeout(r, 150)); // the admission limit adapts every 100 ms
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(`${s.url}/predict`, randomRecords(1, i))));
    t.same(answers.map((a) => a.status), Array(8).fill(200), `round ${round}: 8 concurrent requests all answered (${answers.map((a) => a.body?.error ?? a.status).join('; ')})`);
  }
});

t.test('concurrent 10 000-record requests in one process are all answered', async (t) => {
  const s = await start(makeService());
  t.teardown(s.close);
  const bodies = Array.from({ length: 4 }, (_, i) => randomRecords(10_000, i));
  const texts = bodies.map((b) => JSON.stringify(b)); // the client shares this process: its work done first
  const answers = await Promise.all(texts.map((text) => post(`${s.url}/predict`, text)));
  answers.forEach((r, i) => t.ok(r.status === 200 && matches(r.body, expected(s.forest, bodies[i]!)), `request ${i}: ${r.status} ${r.body?.error ?? ''}`));
});

t.test('--production --workers 2: eight concurrent 10 000-record requests are all answered', { timeout: 90_000 }, async (t) => {
  const bento = await makeBento(svc);
  t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
  const s = await spawnServer(process.execPath, [path.join(bento.dir, 'src', 'service.cjs'), '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  for (;;) {
    if (s.logs.filter((l) => /ready: models loaded/.test(String(l.msg))).length >= 2) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const bodies = Array.from({ length: 8 }, (_, i) => randomRecords(10_000, 100 + i));
  for (let round = 0; round < 2; round++) {
    const answers = await Promise.all(bodies.map((b) => alone(`${s.url}/predict`, 'POST', b)));
    answers.forEach((r, i) =>
      t.ok(r.status === 200 && matches(r.body, expected(bento.forest, bodies[i]!)), `round ${round}, request ${i}: ${r.status} ${r.body?.error ?? ''}`),
    );
  }
});

t.test('the adaptive limit: one late request changes nothing; several cut it; calm restores it', async (t) => {
  const a = new Admission(512, 20);
  t.teardown(() => a.stop());
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const run = (n: number, share: number): void => {
    for (let i = 0; i < n; i++) a.enter();
    for (let i = 0; i < n; i++) a.leave(share * 100, 100);
  };
  run(1, 3.5); // one outlier, 3.5 × its budget
  await wait(60);
  t.equal(a.limit, 512, 'one outlier: the limit stays');
  run(10, 1.5); // ten late requests in one interval: overload
  await wait(30);
  t.ok(a.limit < 512, `several late: the limit comes down (${a.limit})`);
  await wait(400);
  t.equal(a.limit, 512, 'calm intervals: the limit is back');
});
