/**
 * Promotion benchmark (`npm run bench -- promote`): a `--production --workers 2` server of a 100-tree
 * depth-8 forest under 32 keep-alive connections of wrk for 20 s, first without a swap (the baseline), then
 * with a promotion to a bento of another forest 5 s in. Prints, for each run, the requests, the failed ones
 * (non-2xx answers and socket errors: connect, read, write, timeout) and, for the swap, how long it took
 * until the new workers took traffic and until the old ones had exited; the throughput ratio of the swap
 * run to the baseline. Bar: zero failed requests in the swap run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readServing, requestPromotion, type PromotionOutcome } from '../src/runtime/cluster/serving-file.js';
import { makeBento, spawnServer, waitForStatus, type Served } from '../test/kit/bento.js';
import { randomForest, randomRecords } from '../test/kit/model.js';
import { svc } from '../test/kit/service.js';

const SECONDS = Number(process.env.BENCH_PROMOTE_SECONDS ?? 20);
const CONNECTIONS = 32;
const SWAP_AT_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const line = (label: string, value: string): void => console.log(`${label.padEnd(44)} ${value}`);

interface WrkResult {
  requests: number;
  rps: number;
  non2xx: number;
  socketErrors: number;
}

function wrk(url: string, body: string, seconds: number): Promise<WrkResult> {
  const script = path.join(os.tmpdir(), `bench-promote-${process.pid}.lua`);
  writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${body}]==]\n`);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('exit', () => {
      const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      resolve({
        requests: num(/(\d+) requests in/),
        rps: num(/Requests\/sec:\s+([\d.]+)/),
        non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/),
        socketErrors: errors ? errors.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
      });
    });
  });
}

async function promote(pid: number, bento: string): Promise<PromotionOutcome> {
  const id = `bench-${Date.now()}`;
  requestPromotion(pid, { id, bento });
  for (;;) {
    const outcome = readServing(pid)?.promotion;
    if (outcome?.id === id) return outcome;
    await sleep(20);
  }
}

export async function run(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-promote-'));
  const home = mkdtempSync(path.join(os.tmpdir(), 'bench-promote-home-'));
  process.env.BENTO_HOME = home;
  let server: Served | undefined;
  try {
    const a = await makeBento(svc, { forest: randomForest(1, 100, 8), version: 'benchaaaaaaaaaa1', root });
    const b = await makeBento(svc, { forest: randomForest(2, 100, 8), version: 'benchbbbbbbbbbb2', root });
    server = await spawnServer(process.execPath, [path.join(a.dir, 'src', 'service.cjs'), '--production', '--workers', '2', '--port', '0', '--host', '127.0.0.1'], { BENTO_HOME: home, BENTO_LOG_LEVEL: 'warn' });
    await waitForStatus(`${server.url}/readyz`);
    const body = JSON.stringify(randomRecords(1));
    const url = `${server.url}/predict`;
    const pid = server.child.pid!;

    const base = await wrk(url, body, SECONDS);
    line('baseline: requests (20 s, 32 connections)', `${base.requests} (${base.rps.toFixed(0)}/s)`);
    line('baseline: failed (non-2xx + socket errors)', `${base.non2xx + base.socketErrors}`);

    const loaded = wrk(url, body, SECONDS);
    await sleep(SWAP_AT_MS);
    const asked = Date.now();
    const outcome = await promote(pid, b.dir);
    const joined = Date.now() - asked;
    while (server.logs.filter((l) => /retired/.test(String(l.msg))).length < 2 && Date.now() - asked < SECONDS * 1000) await sleep(20);
    const retired = Date.now() - asked;
    const swap = await loaded;
    const failed = swap.non2xx + swap.socketErrors;
    // The old workers' series left with them: what the new ones refused, if anything.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const refusedByNew = [...metrics.matchAll(/^BENTOML_activities_model_request_total\{[^}]*http_response_code="(5\d\d|429)"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[2]), 0);
    line('swap: outcome', `${outcome.state}${outcome.reason ? ` (${outcome.reason})` : ''}`);
    line('swap: requests (20 s, 32 connections)', `${swap.requests} (${swap.rps.toFixed(0)}/s)`);
    line('swap: failed (non-2xx + socket errors)', `${failed} (non-2xx ${swap.non2xx}, socket errors ${swap.socketErrors})   (bar: 0) ${failed === 0 && outcome.state === 'succeeded' ? 'PASS' : 'FAIL'}`);
    if (failed > 0) line('swap: of those, refused by the new workers', `${refusedByNew}`);
    line('swap: until the new workers took traffic', `${joined} ms`);
    line('swap: until the old workers had exited', `${retired} ms`);
    line('swap: throughput vs baseline', `${(swap.rps / base.rps).toFixed(2)}×`);
  } finally {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(root, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
