// A bento served by real child processes (`node <bento>/src/service.cjs`): one process, and --production
// with 2 workers: metrics summed over the workers (and promtool's verdict), a killed worker replaced
// while the other keeps serving, and SIGTERM draining the requests in flight before exiting 0.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeBento, PROJECT, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { alone, sample } from '../kit/http.js';
import { expected, matches, randomRecords } from '../kit/model.js';
import { promtoolMissing } from '../kit/prometheus.js';
import { svc } from '../kit/service.js';

const P = 'BENTOML_activities_model_';

const bento = await makeBento(svc);
t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
const entry = path.join(bento.dir, 'src', 'service.cjs');

t.test('one process: serves, then drains on SIGTERM and exits 0', { timeout: 60_000 }, async (t) => {
  const s = await spawnServer(process.execPath, [entry, '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const records = randomRecords(5);
  const r = await alone(`${s.url}/predict`, 'POST', records);
  t.equal(r.status, 200);
  t.ok(matches(r.body, expected(bento.forest, records)), 'predictions from the bundled service');
  t.equal((await alone(`${s.url}/docs`)).status, 200, 'Swagger UI from the bento env');

  const inflight = [alone(`${s.url}/slow`, 'POST', { ms: 800 }), alone(`${s.url}/slow`, 'POST', { ms: 800 })];
  await new Promise((r) => setTimeout(r, 200));
  s.child.kill('SIGTERM');
  const answers = await Promise.all(inflight);
  t.same(answers.map((a) => a.status), [200, 200], 'requests in flight at SIGTERM are answered');
  t.same(await s.exited, { code: 0, signal: null }, 'exit 0');
  t.ok(s.logs.some((l) => /shutting down/.test(String(l.msg))), 'the drain is logged');
  t.ok(s.logs.every((l) => typeof l.level === 'number' && typeof l.msg === 'string'), 'every log line is structured JSON');
});

t.test('a bad flag is a clear error and exit 1', { timeout: 60_000 }, async (t) => {
  const r = spawnSync(process.execPath, [entry, '--port', 'eighty'], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stderr, /^BAD_ARGUMENT: --port must be a port number/);
});

t.test('the bento entry and the CLI print the same line and exit code for the same mistake', { timeout: 60_000 }, async (t) => {
  const direct = spawnSync(process.execPath, [entry, '--port', '99999'], { encoding: 'utf8' });
  const cli = spawnSync(process.execPath, [path.join(PROJECT, 'bin', 'bento.mjs'), 'serve', bento.dir, '--port', '99999'], { encoding: 'utf8' });
  t.equal(direct.stderr, 'BAD_ARGUMENT: --port must be a port number (0-65535), not "99999"\n', 'one line, no details, no stack');
  t.equal(cli.stderr, direct.stderr, 'the CLI prints the same line');
  t.same([direct.status, cli.status], [1, 1], 'both exit 1');
});

t.test('--production with 2 workers', { timeout: 60_000 }, async (t) => {
  const s = await spawnServer(process.execPath, [entry, '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  // Once /readyz says 200, no connection may land on a worker that is still loading its models.
  const early = await Promise.all(Array.from({ length: 10 }, () => alone(`${s.url}/predict`, 'POST', randomRecords(1))));
  t.same(early.map((r) => r.status), Array(10).fill(200), 'every request right after /readyz 200 is answered by a ready worker');
  const readyPids = async (n: number): Promise<number[]> => {
    for (;;) {
      const pids = [...new Set(s.logs.filter((l) => /ready: models loaded/.test(String(l.msg))).map((l) => Number(l.pid)))];
      if (pids.length >= n) return pids;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = await readyPids(2);
  t.equal(workers.length, 2, 'two workers ready');
  t.match(s.logs.find((l) => l.role === 'primary' && /listening on/.test(String(l.msg)))?.msg, /with 2 workers/);

  await t.test('/metrics answered by any worker is the sum over all workers', async (t) => {
    const records = randomRecords(2);
    for (let i = 0; i < 10; i++) {
      const r = await alone(`${s.url}/predict`, 'POST', records);
      t.ok(r.status === 200 && matches(r.body, expected(bento.forest, records)), `request ${i}`);
    }
    // Connections go round-robin, so each worker answered about half; every scrape must still count all
    // of them: these 10 and the 10 sent right after /readyz.
    for (let i = 0; i < 4; i++) {
      const m = await alone(`${s.url}/metrics`);
      t.equal(m.status, 200);
      t.equal(sample(m.text, `${P}request_total`, { endpoint: '/predict', http_response_code: '200' }), 10 + early.length, `scrape ${i}`);
      t.equal(sample(m.text, `${P}request_duration_seconds_count`, { endpoint: '/predict', http_response_code: '200' }), 10 + early.length);
    }
    const text = (await alone(`${s.url}/metrics`)).text;
    await t.test('promtool check metrics accepts the summed exposition', { skip: promtoolMissing() }, async (t) => {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      t.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    });
  });

  await t.test('a burst of 300 new connections at once: every one is dealt to a worker and answered', async (t) => {
    const burst = await Promise.all(Array.from({ length: 300 }, () => alone(`${s.url}/readyz`)));
    t.same(new Set(burst.map((r) => r.status)), new Set([200]), 'all 300 answered 200');
  });

  await t.test('a killed worker is replaced while the other keeps serving', async (t) => {
    const victim = workers[0]!;
    process.kill(victim, 'SIGKILL');
    await s.waitForLog((l) => l.role === 'primary' && new RegExp(`worker ${victim} died`).test(String(l.msg)));
    const during = await Promise.all(Array.from({ length: 6 }, () => alone(`${s.url}/predict`, 'POST', randomRecords(1))));
    t.same(during.map((r) => r.status), [200, 200, 200, 200, 200, 200], 'the surviving worker answers');
    const now = await readyPids(3);
    const replacement = now.find((p) => !workers.includes(p));
    t.ok(replacement, `a new worker (${replacement}) is ready`);
    const after = await Promise.all(Array.from({ length: 6 }, () => alone(`${s.url}/predict`, 'POST', randomRecords(1))));
    t.same(after.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
  });

  await t.test('SIGTERM: requests in flight are answered, then exit 0', async (t) => {
    const slow = Array.from({ length: 4 }, () => alone(`${s.url}/slow`, 'POST', { ms: 1500 }));
    for (;;) {
      const m = await alone(`${s.url}/metrics`);
      if (sample(m.text, `${P}request_in_progress`, { endpoint: '/slow' }) === 4) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    s.child.kill('SIGTERM');
    await s.waitForLog((l) => l.role !== 'primary' && /shutting down/.test(String(l.msg)));
    const probe = await alone(`${s.url}/readyz`).then(
      (r) => r.status,
      () => 'refused',
    );
    t.not(probe, 200, `/readyz after SIGTERM: ${probe}`);
    const answers = await Promise.all(slow);
    t.same(answers.map((a) => a.status), [200, 200, 200, 200], 'all four answered');
    t.same(await s.exited, { code: 0, signal: null }, 'the primary exits 0');
  });
});

t.test('a server whose stdout nobody reads any more (its parent was killed) still stops on SIGTERM', { timeout: 60_000 }, async (t) => {
  for (const extra of [[], ['--production', '--workers', '1']]) {
    const s = await spawnServer(process.execPath, [entry, ...extra, '--port', '0', '--host', '127.0.0.1']);
    await waitForStatus(`${s.url}/readyz`);
    s.child.stdout!.destroy(); // the reading end goes away: every log line now fails with EPIPE
    await new Promise((r) => setTimeout(r, 200));
    s.child.kill('SIGTERM');
    // bounded by the test's timeout: before, pino's exit flush retried the failed write forever
    const { code, signal } = await s.exited;
    t.same({ code, signal }, { code: 0, signal: null }, `${extra.join(' ') || 'one process'}: exit 0 after SIGTERM ${s.stderr()}`);
  }
});
