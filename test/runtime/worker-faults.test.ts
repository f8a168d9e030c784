// Faults of a --production cluster, in real child processes: a worker killed (SIGKILL) must cost no request
// more than a moment — new connections go to live, ready workers only, and a request in flight on the dead
// worker fails at once (connection closed) — and a port already in use is one line and exit 1, no respawns.
import t from 'tap';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { makeBento, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { randomRecords } from '../kit/model.js';
import { svc } from '../kit/service.js';

const bento = await makeBento(svc);
t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
const entry = path.join(bento.dir, 'src', 'service.cjs');
const deadPids = new Set<number>();

/** One request on its own connection, given up after `ms`: its status, 'closed' (connection error) or 'hung'. */
function attempt(url: string, body: unknown, ms: number): Promise<number | 'closed' | 'hung'> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const req = http.request(`${url}/predict`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve('closed'));
    });
    req.on('error', () => resolve('closed'));
    req.setTimeout(ms, () => {
      req.destroy();
      resolve('hung');
    });
    req.end(payload);
  });
}

const readyPids = async (logs: Array<Record<string, unknown>>, n: number): Promise<number[]> => {
  for (;;) {
    const pids = [...new Set(logs.filter((l) => /ready: models loaded/.test(String(l.msg))).map((l) => Number(l.pid)))];
    if (pids.length >= n) return pids;
    await new Promise((r) => setTimeout(r, 20));
  }
};

t.test('a killed worker: no request hangs, new connections go to the live worker', { timeout: 90_000 }, async (t) => {
  const s = await spawnServer(process.execPath, [entry, '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const workers = await readyPids(s.logs, 2);
  for (let round = 0; round < 3; round++) {
    const victim = (await readyPids(s.logs, 2 + round)).filter((p) => !deadPids.has(p))[0]!;
    deadPids.add(victim);
    // Two slow requests in flight, one on each worker (connections are dealt round-robin): the one on the
    // victim fails at once (connection closed) instead of hanging; the other is answered.
    const slowOne = (): Promise<string> =>
      new Promise<string>((resolve) => {
        const req = http.request(`${s.url}/slow`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(`answered ${res.statusCode}`));
          res.on('error', () => resolve('closed'));
        });
        req.on('error', () => resolve('closed'));
        req.setTimeout(2500, () => resolve('hung'));
        req.end(JSON.stringify({ ms: 1500 }));
      });
    const inflight = Promise.all([slowOne(), slowOne()]);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(victim, 'SIGKILL');
    // Requests one by one, right after the kill: every one answered 200 within a second.
    const outcomes: Array<number | 'closed' | 'hung'> = [];
    for (let i = 0; i < 8; i++) outcomes.push(await attempt(s.url, randomRecords(1, i), 1000));
    t.same(outcomes, Array(8).fill(200), `round ${round}: each request after the kill answered 200 within 1 s (${outcomes.join(', ')})`);
    const fates = (await inflight).sort();
    t.same(fates, ['answered 200', 'closed'], `round ${round}: the request in flight on the victim failed at once, the other was answered`);
    await readyPids(s.logs, 3 + round);
  }
  t.ok(workers.length === 2);
});


t.test('a port in use: one line naming it and --port, exit 1, no worker respawns', { timeout: 60_000 }, async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise((r) => blocker.close(r)));
  const port = (blocker.address() as net.AddressInfo).port;
  for (const extra of [[], ['--production', '--workers', '2']]) {
    const child = spawn(process.execPath, [entry, '--port', String(port), '--host', '127.0.0.1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const label = extra.length ? '--production' : 'one process';
    t.equal(code, 1, `${label}: exit 1`);
    t.equal(err, `PORT_IN_USE: port ${port} is already in use on 127.0.0.1: stop what uses it, or choose another with --port\n`, `${label}: one line on stderr`);
    t.notMatch(out, /died|starting another/, `${label}: no worker died and was replaced`);
  }
});
