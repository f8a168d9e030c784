// Promotion without downtime on a real production server (`node <bento>/src/service.cjs --production
// --workers 2`, real onnxruntime) under steady keep-alive load: promoted to a bento of another model, every
// request is answered 200, the answers change to the new model's, `service_version` changes, /readyz stays
// 200; a bento failing the golden check and a damaged bento are refused while the old keeps serving; and
// `bento serve NAME:latest --production` re-resolves its tag on SIGHUP.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { listServing, readServing, requestPromotion, type PromotionOutcome } from '../../src/runtime/cluster/serving-file.js';
import { makeBento, PROJECT, spawnServer, stopGently, stopServer, waitForStatus, type Served } from '../kit/bento.js';
import { bento } from '../kit/cli.js';
import { alone, sample } from '../kit/http.js';
import { failures, startLoad } from '../kit/load.js';
import { expected, matches, randomForest, randomRecords } from '../kit/model.js';
import { tempDir } from '../kit/project.js';
import { svc } from '../kit/service.js';
import { svc as broken } from './promotion-broken-service.js';
import { svc as crashing } from './promotion-crash-service.js';

const P = 'BENTOML_activities_model_';
const home = await tempDir(t, 'bento-promote-home-');
process.env.BENTO_HOME = home; // where the servers keep their serving records
const root = await tempDir(t, 'bento-promote-');
// A before B: B is the newer (what `name:latest` resolves to).
const a = await makeBento(svc, { forest: randomForest(3, 10, 4), version: 'aaaaaaaaaaaaaaa1', root });
const b = await makeBento(svc, { forest: randomForest(11, 10, 4), version: 'bbbbbbbbbbbbbbb2', root });
const [nan, crash] = await Promise.all([
  makeBento(broken, { serviceModule: 'test/runtime/promotion-broken-service.ts', forest: randomForest(5, 10, 4), version: 'ccccccccccccccc3', root }),
  makeBento(crashing, { serviceModule: 'test/runtime/promotion-crash-service.ts', forest: randomForest(6, 10, 4), version: 'ddddddddddddddd4', root }),
]);
const records = randomRecords(3, 99);
const wantA = expected(a.forest, records);
const wantB = expected(b.forest, records);
const classify = (answer: unknown): string => (matches(answer, wantA) ? 'a' : matches(answer, wantB) ? 'b' : 'other');

/** Asks the server to promote and waits for the outcome in its serving record. */
async function promote(pid: number, bento: string, id: string): Promise<PromotionOutcome> {
  requestPromotion(pid, { id, bento });
  for (;;) {
    const outcome = readServing(pid)?.promotion;
    if (outcome?.id === id) return outcome;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Samples /readyz until stopped; resolves with every status seen. */
function watchReadyz(url: string): { stop(): Promise<number[]> } {
  let on = true;
  const seen: number[] = [];
  const loop = (async () => {
    while (on) {
      seen.push((await alone(`${url}/readyz`).catch(() => ({ status: 0 }))).status);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return seen;
    },
  };
}

const serverEnv = { BENTO_HOME: home, BENTO_LOG_LEVEL: 'info' };

t.test('a production server promoted under load: no failed request, the new model answers', { timeout: 180_000 }, async (t) => {
  const s: Served = await spawnServer(process.execPath, [path.join(a.dir, 'src', 'service.cjs'), '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1'], serverEnv);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const pid = s.child.pid!;
  t.match(listServing(), [{ pid, bento: `activities_model:${a.version}`, tag: 'activities_model:latest', workers: 2 }], 'the primary keeps a serving record');
  const first = await alone(`${s.url}/predict`, 'POST', records);
  t.ok(matches(first.body, wantA), 'model A answers');

  // With a tolerance, the new answers to the golden inputs must stay that close to the old model's: B's are not.
  requestPromotion(pid, { id: 'to-b-strict', bento: b.dir, tolerance: 0 });
  let strict: PromotionOutcome | undefined;
  while ((strict = readServing(pid)?.promotion)?.id !== 'to-b-strict') await new Promise((r) => setTimeout(r, 50));
  t.equal(strict!.state, 'failed');
  t.match(strict!.reason, /golden answers changed by [\d.]+ % from the old model's \(tolerance 0\.0 %\)/);
  t.ok(matches((await alone(`${s.url}/predict`, 'POST', records)).body, wantA), 'A still answers');

  const load = startLoad(s.url, '/predict', () => records, { connections: 8, classify });
  const readyz = watchReadyz(s.url);
  while ((load.counts.statuses[200] ?? 0) < 200) await new Promise((r) => setTimeout(r, 20));
  const outcome = await promote(pid, b.dir, 'to-b');
  t.equal(outcome.state, 'succeeded', outcome.reason ?? '');
  t.equal(outcome.bento, `activities_model:${b.version}`);
  t.equal(outcome.from, `activities_model:${a.version}`);
  t.match(outcome.reason, /golden check passed on 1 request/, 'the check ran the recorded inputs (here: the API example) through /predict');
  // the old workers hand their clients over and exit
  for (let n = 0; s.logs.filter((l) => /retired/.test(String(l.msg))).length < 2; n++) await new Promise((r) => setTimeout(r, 20));
  const before = { ...load.counts.kinds };
  while ((load.counts.kinds.b ?? 0) < (before.b ?? 0) + 200) await new Promise((r) => setTimeout(r, 20));
  const counts = await load.stop();
  const ready = await readyz.stop();
  t.equal(failures(counts), 0, `every request answered 200: ${JSON.stringify(counts)}`);
  t.ok((counts.kinds.a ?? 0) > 0 && (counts.kinds.b ?? 0) > 0, `answers from A, then from B: ${JSON.stringify(counts.kinds)}`);
  t.equal(counts.kinds.other ?? 0, 0, 'no answer from neither model');
  t.same([...new Set(ready)], [200], `/readyz 200 throughout (${ready.length} probes)`);
  t.ok(s.logs.filter((l) => /retired \(exit code 0\)/.test(String(l.msg))).length === 2, 'both old workers exited 0');

  const after = await alone(`${s.url}/predict`, 'POST', records);
  t.ok(matches(after.body, wantB), 'model B answers');
  const m = (await alone(`${s.url}/metrics`)).text;
  t.ok(sample(m, `${P}request_total`, { endpoint: '/predict', http_response_code: '200', service_version: b.version })! > 0, 'service_version is the new version');
  t.equal(sample(m, `${P}request_total`, { endpoint: '/predict', http_response_code: '200', service_version: a.version }), undefined, 'and the old one is gone');
  t.equal(sample(m, `${P}promotion_total`, { outcome: 'succeeded' }), 1, 'the promotion is counted');
  t.equal(sample(m, `${P}promotion_total`, { outcome: 'failed' }), 1, 'and the refused one');
  t.match(readServing(pid), { bento: `activities_model:${b.version}` }, 'the serving record names the new bento');

  await t.test('a bento whose answers are not finite fails the golden check; the old keeps serving', async (t) => {
    const load = startLoad(s.url, '/predict', () => records, { connections: 8, classify });
    const outcome = await promote(pid, nan.dir, 'to-nan');
    t.equal(outcome.state, 'failed');
    t.match(outcome.reason, /golden check failed: POST \/predict with recorded inputs answered/);
    const counts = await load.stop();
    t.equal(failures(counts), 0, `no failed request: ${JSON.stringify(counts)}`);
    t.same(Object.keys(counts.kinds), ['b'], 'only model B answered');
    t.ok(s.logs.some((l) => l.level === 50 && /promotion to .* failed, still serving/.test(String(l.msg))), 'logged as an error');
    const m = (await alone(`${s.url}/metrics`)).text;
    t.equal(sample(m, `${P}promotion_total`, { outcome: 'failed' }), 2, 'counted as failed');
  });

  await t.test('a bento whose workers die before ready, an unknown tag: refused, the old keeps serving', async (t) => {
    const outcome = await promote(pid, crash.dir, 'to-crash');
    t.equal(outcome.state, 'failed');
    t.match(outcome.reason, /new worker \d+ died before it was ready \(exit code \d\)/);
    const r = await alone(`${s.url}/predict`, 'POST', records);
    t.ok(r.status === 200 && matches(r.body, wantB), 'model B still answers');
    const missing = await promote(pid, 'activities_model:nosuchversion', 'to-missing');
    t.equal(missing.state, 'failed');
    t.match(missing.reason, /^TAG_NOT_FOUND: /, 'an unknown tag is refused before any worker starts');
    const same = await promote(pid, b.dir, 'to-b-again');
    t.equal(same.state, 'unchanged', 'promoting to the bento served changes nothing');
  });

  s.child.kill('SIGTERM');
  t.same(await s.exited, { code: 0, signal: null }, 'the primary exits 0');
  t.same(listServing(), [], 'and removes its serving record');
});

t.test('`bento serve NAME:latest --production`: SIGHUP re-resolves the tag', { timeout: 120_000 }, async (t) => {
  const store = path.join(home, 'bentos', 'activities_model');
  mkdirSync(store, { recursive: true });
  cpSync(a.dir, path.join(store, a.version), { recursive: true });
  const s = await spawnServer(process.execPath, [path.join(PROJECT, 'bin', 'bento.mjs'), 'serve', 'activities_model:latest', '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1'], serverEnv);
  t.teardown(() => stopGently(s));
  await waitForStatus(`${s.url}/readyz`);
  t.ok(matches((await alone(`${s.url}/predict`, 'POST', records)).body, wantA));
  const [record] = listServing();
  t.match(record, { tag: 'activities_model:latest', bento: `activities_model:${a.version}` });

  /** SIGHUP to the CLI (which passes it on to the primary); the outcome of that bare SIGHUP. */
  const hangup = async (): Promise<PromotionOutcome> => {
    const before = readServing(record!.pid)?.promotion?.id;
    s.child.kill('SIGHUP');
    for (;;) {
      const outcome = readServing(record!.pid)?.promotion;
      if (outcome && outcome.id !== before) return outcome;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  t.match(await hangup(), { state: 'unchanged', bento: `activities_model:${a.version}` }, 'nothing newer: unchanged');
  cpSync(b.dir, path.join(store, b.version), { recursive: true });
  const load = startLoad(s.url, '/predict', () => records, { connections: 8, classify });
  t.match(await hangup(), { state: 'succeeded', bento: `activities_model:${b.version}`, id: /^sighup-/ }, 'the newest bento is promoted');
  while ((load.counts.kinds.b ?? 0) < 100) await new Promise((r) => setTimeout(r, 20));
  const counts = await load.stop();
  t.equal(failures(counts), 0, `no failed request: ${JSON.stringify(counts)}`);
  t.ok(matches((await alone(`${s.url}/predict`, 'POST', records)).body, wantB), 'the newest bento answers');

  // `bento promote`: a given bento (here back to A), the outcome printed
  const cli = await bento(['promote', a.dir, '-o', 'json'], { home, cwd: root });
  t.equal(cli.code, 0, cli.stderr);
  t.match(JSON.parse(cli.stdout), [{ pid: record!.pid, outcome: { state: 'succeeded', bento: `activities_model:${a.version}`, from: `activities_model:${b.version}` } }]);
  t.ok(matches((await alone(`${s.url}/predict`, 'POST', records)).body, wantA), 'A answers again');
  const refused = await bento(['promote', nan.dir], { home, cwd: root });
  t.equal(refused.code, 1, 'a refused promotion: exit 1');
  t.match(refused.stderr, /^BAD_MODEL: the server on http:\S+ refused activities_model:ccccccccccccccc3 and keeps serving activities_model:aaaaaaaaaaaaaaa1: BAD_MODEL: golden check failed/m);
  s.child.kill('SIGTERM');
  t.same(await s.exited, { code: 0, signal: null });
  rmSync(store, { recursive: true, force: true });
});

t.test('the record of a server killed with SIGKILL is left out of the list and removed', { timeout: 60_000 }, async (t) => {
  const s = await spawnServer(process.execPath, [path.join(a.dir, 'src', 'service.cjs'), '--production', '--workers', '1', '--port', '0', '--host', '127.0.0.1'], serverEnv);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const pid = s.child.pid!;
  const file = path.join(home, 'serving', `${pid}.json`);
  t.ok(existsSync(file) && listServing().some((r) => r.pid === pid), 'listed while it runs');
  s.child.kill('SIGKILL');
  await s.exited;
  t.notOk(listServing().some((r) => r.pid === pid), 'not listed once killed');
  t.notOk(existsSync(file), 'its record removed');
});
