// The payload log in a real server: JSON lines of requests, model rows and predictions; exact sampling;
// rotation by size keeping max_files old files; a full queue drops lines and counts them on /metrics,
// and every request is still answered.
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PayloadLog, type PayloadEntry } from '../../../src/runtime/monitoring/payload-log.js';
import type { ServiceDefinition } from '../../../src/sdk/index.js';
import { get, post, sample } from '../../kit/http.js';
import { expected, matches, preprocessed } from '../../kit/model.js';
import { monitored, serve, traffic } from './reference-kit.js';

const P = 'BENTOML_activities_model_';

const withLog = (payload_log: Record<string, unknown>, enabled = true): ServiceDefinition => monitored({ enabled, payload_log });

const lines = (dir: string): Array<Record<string, any>> =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>));

t.test('lines, sampling and rotation', { timeout: 60_000 }, async (t) => {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'bento-payload-log-'));
  t.teardown(() => rmSync(logDir, { recursive: true, force: true }));
  const { app, url, forest } = await serve(t, withLog({ dir: logDir, sample_rate: 0.5, max_file_bytes: 4000, max_files: 2 }));
  const sent: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < 40; i++) {
    const records = traffic(3, 1000 + i);
    sent.push(records);
    const r = await post(`${url}/predict`, records, 'application/json', { 'x-request-id': `req-${i}` });
    t.ok(r.status === 200 && matches(r.body, expected(forest, records)), `request ${i} answered`);
  }
  await app.bento.monitor.close(); // writes what is queued
  const files = readdirSync(logDir).sort();
  t.same(files, ['predict.1.jsonl', 'predict.2.jsonl', 'predict.jsonl'], 'the current file and max_files rotated ones');
  for (const f of files) t.ok(statSync(path.join(logDir, f)).size <= 4000, `${f} is within max_file_bytes`);
  // Rotation dropped the oldest files; what is left are the newest lines, every other request.
  const got = lines(logDir).sort((a, b) => Number(a.request_id.slice(4)) - Number(b.request_id.slice(4)));
  t.ok(got.length > 5 && got.length < 20, `some lines rotated away (${got.length} of 20 kept)`);
  for (const line of got) {
    const i = Number(String(line.request_id).slice(4));
    t.equal(i % 2, 1, `request ${i}: sampled (every second request at rate 0.5)`);
    t.same(line.request, sent[i], 'the body as posted');
    t.same(line.inputs, sent[i]!.map(preprocessed), 'the model rows');
    t.ok(matches(line.outputs, expected(forest, sent[i]!)), 'the predictions');
    t.match(line, { api: 'predict', service_version: 'test' });
    t.ok(!Number.isNaN(Date.parse(line.time)), 'an ISO time');
  }
  t.equal(got.at(-1)!.request_id, 'req-39', 'the newest line is kept');
});

t.test('a full queue drops lines, counts them, and never fails a request', { timeout: 60_000 }, async (t) => {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'bento-payload-log-'));
  t.teardown(() => rmSync(logDir, { recursive: true, force: true }));
  const { app, url } = await serve(t, withLog({ dir: logDir, queue_size: 2 }));
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => post(`${url}/predict`, traffic(2, i))));
  t.same(new Set(answers.map((a) => a.status)), new Set([200]), 'every request answered');
  await app.bento.monitor.close();
  const dropped = sample((await get(`${url}/metrics`)).text, `${P}payload_log_dropped_total`, { api: 'predict', service_version: 'test' });
  const written = lines(logDir).length;
  t.ok(dropped! > 0, `lines were dropped (${dropped})`);
  t.equal(written + dropped!, 60, `written (${written}) + dropped = requests`);
});

t.test('a write that fails counts its lines as dropped and is reported once', async (t) => {
  const blocker = path.join(mkdtempSync(path.join(os.tmpdir(), 'bento-payload-log-')), 'file');
  writeFileSync(blocker, 'x'); // the log folder would be inside a file: mkdir fails
  let dropped = 0;
  const errors: string[] = [];
  const log = new PayloadLog('predict', 'v', { dir: path.join(blocker, 'logs'), sample_rate: 1, max_file_bytes: 1000, max_files: 1, queue_size: 10 }, {
    dropped: (n) => (dropped += n),
    error: (e) => errors.push(e.message),
  });
  const entry = (): PayloadEntry => ({ time: 0, requestId: 'r', request: [], inputs: new Float32Array(2), count: 1, width: 2, outputs: new Float32Array(1) });
  for (let i = 0; i < 5; i++) log.offer(entry);
  await log.close();
  t.equal(dropped, 5);
  t.equal(errors.length, 1, 'one report for the failure');
  rmSync(path.dirname(blocker), { recursive: true, force: true });
});

t.test('the payload log without drift monitoring', { timeout: 60_000 }, async (t) => {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'bento-payload-log-'));
  t.teardown(() => rmSync(logDir, { recursive: true, force: true }));
  const { app, url } = await serve(t, withLog({ dir: logDir }, false));
  let text = (await get(`${url}/metrics`)).text;
  t.equal(sample(text, `${P}payload_log_dropped_total`, { api: 'predict', service_version: 'test' }), 0, 'the dropped-lines counter exists at 0');
  for (let i = 0; i < 3; i++) t.equal((await post(`${url}/predict`, traffic(2, i))).status, 200);
  await app.bento.monitor.close();
  t.equal(lines(logDir).length, 3, 'every request logged');
  text = (await get(`${url}/metrics`)).text;
  t.equal(sample(text, `${P}monitoring_window_rows`, { api: 'predict' }), undefined, 'no window when monitoring is off');
});

t.test('a saturated process writes no line: the queue fills and the rest are dropped; idle time writes them', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bento-payload-log-'));
  let dropped = 0;
  const log = new PayloadLog('predict', 'v', { dir, sample_rate: 1, max_file_bytes: 1e6, max_files: 1, queue_size: 20 }, {
    dropped: (n) => (dropped += n),
    error: (e) => t.fail(e.message),
  });
  const entry = (): PayloadEntry => ({ time: 0, requestId: 'r', request: [], inputs: new Float32Array(2), count: 1, width: 2, outputs: new Float32Array(1) });
  // An event loop kept busy (as by requests at saturation) for several of the log's intervals: each turn
  // spins 20 ms and offers a line, and lets timers run between turns.
  const until = performance.now() + 800;
  while (performance.now() < until) {
    const spin = performance.now() + 20;
    while (performance.now() < spin);
    log.offer(entry);
    await new Promise((r) => setImmediate(r));
  }
  t.same(lines(dir), [], 'nothing serialised or written while the loop had no idle time');
  t.equal(log.queued, 20, 'the queue filled');
  t.ok(dropped > 0, `the lines beyond the queue were dropped and counted (${dropped})`);
  // Idle now: the queued lines are written without anyone asking.
  await new Promise((r) => setTimeout(r, 400));
  t.equal(lines(dir).length, 20, 'the queued lines are written in idle time');
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});
