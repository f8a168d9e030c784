/**
 * Monitoring cost (`npm run bench -- monitoring`): the same bento (a 100-tree depth-8 forest with a drift
 * reference) served with monitoring off and on, `--production --workers 1` pinned to core 0, the load
 * generator on core 1, /metrics scraped every second on both servers during the runs (so the drift figures
 * are computed while the load runs). Alternating rounds, the median of the per-round ratios:
 *   1. single-record POST /predict, 32 connections: on / off (bar ≥ 0.95);
 *   2. 10 000-record requests, rows/s: on / off (bar ≥ 0.9);
 *   3. the payload log at sample_rate 1 (every request logged; BENCH_PAYLOAD_RATE sets another):
 *      single-record throughput against off, and lines written / dropped.
 *   4. in process: the monitor's own work — one request handed to the window (ns), and the figures of a
 *      full 500-record window computed at a scrape (ms) — against the CPU a request costs the server.
 * Then the same single-record comparison in concurrent pairs: off and on loaded at the same time (16
 * connections each, both servers sharing core 0), so whatever else runs on the machine slows both alike and
 * the throughput ratio is the ratio of their cost per request.
 * Besides throughput, each round reads the server processes' CPU time (/proc): CPU per request is what
 * monitoring costs, and it holds still when other work on the machine makes throughput jump.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import client from 'prom-client';
import { Monitor } from '../src/runtime/monitoring/monitor.js';
import { DEFAULT_MONITORING } from '../src/sdk/settings.js';
import { makeBento, spawnServer, waitForStatus, type Served } from '../test/kit/bento.js';
import { preprocessed, randomForest, randomRecords, writeModel } from '../test/kit/model.js';
import { addReferenceToBento, withReference } from '../test/runtime/monitoring/reference-kit.js';
import { svc } from './serve-monitoring-service.js';
import { HAS_TASKSET, HAS_WRK, maxThroughput, pinned, pinSelf } from './serve-load.js';
import { median } from './stats.js';

const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const line = (label: string, value: string, bar = ''): void => console.log(`${label.padEnd(48)} ${value}${bar ? `   (${bar})` : ''}`);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
/** The payload log's sample rate (BENCH_PAYLOAD_RATE, default 1: every request). */
const RATE = process.env.BENCH_PAYLOAD_RATE ?? '1';

/** CPU seconds (user + system) used so far by the server's processes (primary and workers), from /proc. */
function cpuSeconds(s: Served): number {
  const pids = [s.child.pid!];
  // the workers are the primary's children (their log lines are quiet at BENTO_LOG_LEVEL=warn)
  for (let i = 0; i < pids.length; i++) {
    const children = `/proc/${pids[i]}/task/${pids[i]}/children`;
    if (existsSync(children)) pids.push(...readFileSync(children, 'utf8').split(' ').filter(Boolean).map(Number));
  }
  let ticks = 0;
  for (const pid of pids) {
    const file = `/proc/${pid}/stat`;
    if (!existsSync(file)) continue;
    const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  }
  return ticks / 100;
}

/** Throughput and server CPU per request of single-record requests. */
async function measure(s: Served, body: string, seconds: number): Promise<{ rps: number; cpu: number }> {
  const c0 = cpuSeconds(s);
  const { rps } = await maxThroughput(`${s.url}/predict`, body, 32, seconds);
  return { rps, cpu: (cpuSeconds(s) - c0) / (rps * seconds) };
}

async function stop(s: Served): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  await s.exited;
}

/** Scrapes `urls` every second until stopped (as Prometheus would, more often). */
function scraper(urls: string[]): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) {
      await Promise.all(urls.map((u) => fetch(`${u}/metrics`).then((r) => r.arrayBuffer(), () => undefined)));
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}

async function bulkRowsPerSecond(s: Served, body: string, requests: number): Promise<{ rps: number; cpu: number }> {
  const c0 = cpuSeconds(s);
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) {
    const r = await fetch(`${s.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (r.status !== 200) throw new Error(`10 000-record request answered ${r.status}`);
    await r.arrayBuffer();
  }
  return { rps: (requests * 10_000) / ((performance.now() - t0) / 1000), cpu: (cpuSeconds(s) - c0) / (requests * 10_000) };
}

type Figures = { rps: number; cpu: number };
const ratioLine = (label: string, rounds: Array<Record<string, Figures>>, a: string, b: string, bar: number | undefined): void => {
  const tput = rounds.map((r) => r[a]!.rps / r[b]!.rps);
  const cpu = rounds.map((r) => r[b]!.cpu / r[a]!.cpu);
  const barText = (x: number): string => (bar === undefined ? '' : `; bar ≥ ${bar}: ${verdict(x >= bar)}`);
  line(`${label}: throughput ratio (median)`, fmt(median(tput), 3), `rounds ${tput.map((x) => fmt(x, 3)).join(', ')}${barText(median(tput))}`);
  line(`${label}: CPU per request, ${b} / ${a} (median)`, fmt(median(cpu), 3), `rounds ${cpu.map((x) => fmt(x, 3)).join(', ')}${barText(median(cpu))}`);
};

/** The monitor alone: ns per observed single-record request, ms per scrape of a full window. */
async function inProcess(): Promise<{ observeNs: number; scrapeMs: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-monitor-'));
  try {
    const forest = randomForest(1, 100, 8);
    const info = withReference(writeModel(dir, forest).info, forest);
    const monitor = new Monitor({ service: 'activities_model', version: 'bench', registry: new client.Registry(), log: { warn: () => undefined, error: () => undefined } });
    const observe = monitor.add('predict', DEFAULT_MONITORING, info, 5)!;
    const rows = randomRecords(1000, 5).map((r) => ({ data: Float32Array.from(preprocessed(r)), count: 1, width: 5 }));
    const out = new Float32Array(1);
    const n = 1_000_000;
    for (let i = 0; i < 100_000; i++) observe(rows[i % 1000]!, out, null, 'r');
    let t0 = performance.now();
    for (let i = 0; i < n; i++) observe(rows[i % 1000]!, out, null, 'r');
    const observeNs = ((performance.now() - t0) * 1e6) / n;
    const scrapes: number[] = [];
    for (let i = 0; i < 7; i++) {
      observe(rows[i]!, out, null, 'r'); // a changed window: no cached figures
      t0 = performance.now();
      await monitor.text();
      scrapes.push(performance.now() - t0);
    }
    return { observeNs, scrapeMs: median(scrapes) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  pinSelf(1);
  console.log(`load generator: ${HAS_WRK ? 'wrk' : 'autocannon'}; cores: ${HAS_TASKSET ? 'servers on 0, load on 1 (taskset)' : 'not pinned (no taskset)'}`);
  const forest = randomForest(1, 100, 8);
  const bento = await makeBento(svc, { forest, serviceModule: 'bench/serve-monitoring-service.ts' });
  addReferenceToBento(bento.dir, forest);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'bench-payload-'));
  const entry = path.join(bento.dir, 'src', 'service.cjs');
  const start = async (mode: string): Promise<Served> => {
    const [cmd, args] = pinned(0, process.execPath, [entry, '--production', '--workers', '1', '--port', '0', '--host', '127.0.0.1']);
    const s = await spawnServer(cmd, args, { BENCH_MONITORING: mode, BENCH_PAYLOAD_DIR: logDir, BENTO_LOG_LEVEL: 'warn' });
    await waitForStatus(`${s.url}/readyz`);
    return s;
  };
  const servers = { off: await start('off'), on: await start('on'), log: await start('log') };
  const stopScraping = scraper(Object.values(servers).map((s) => s.url));
  try {
    const one = JSON.stringify(randomRecords(1, 42));
    for (const s of Object.values(servers)) await maxThroughput(`${s.url}/predict`, one, 32, 2);

    // 1 and 3. single-record throughput; the order alternates between rounds so neither side always goes first
    const ROUNDS = 7;
    const rounds: Array<Record<keyof typeof servers, Figures>> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = (i % 2 ? ['log', 'on', 'off'] : ['off', 'on', 'log']) as Array<keyof typeof servers>;
      const r = {} as Record<keyof typeof servers, Figures>;
      for (const k of order) r[k] = await measure(servers[k], one, 4);
      rounds.push(r);
    }
    console.log(`\n1. single-record requests, 32 connections (${ROUNDS} alternating rounds of 4 s)`);
    for (const [i, r] of rounds.entries()) {
      line(`round ${i + 1}: off / on / payload log`, `${fmt(r.off.rps)} / ${fmt(r.on.rps)} / ${fmt(r.log.rps)} req/s; µs CPU ${fmt(r.off.cpu * 1e6, 1)} / ${fmt(r.on.cpu * 1e6, 1)} / ${fmt(r.log.cpu * 1e6, 1)}`);
    }
    ratioLine('on / off', rounds, 'on', 'off', 0.95);

    const pairs: Array<{ on: number; log: number }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [off, on] = await Promise.all([maxThroughput(`${servers.off.url}/predict`, one, 16, 4), maxThroughput(`${servers.on.url}/predict`, one, 16, 4)]);
      const [off2, log] = await Promise.all([maxThroughput(`${servers.off.url}/predict`, one, 16, 4), maxThroughput(`${servers.log.url}/predict`, one, 16, 4)]);
      pairs.push({ on: on.rps / off.rps, log: log.rps / off2.rps });
    }
    console.log(`\n1b. single-record requests in concurrent pairs, 16 connections each (${ROUNDS} rounds of 4 s)`);
    const p1 = median(pairs.map((p) => p.on));
    line('on / off (median of pairs)', fmt(p1, 3), `pairs ${pairs.map((p) => fmt(p.on, 3)).join(', ')}; bar ≥ 0.95: ${verdict(p1 >= 0.95)}`);
    line('payload log / off (median of pairs)', fmt(median(pairs.map((p) => p.log)), 3), `pairs ${pairs.map((p) => fmt(p.log, 3)).join(', ')}`);

    // 2. 10 000-record requests
    const big = JSON.stringify(randomRecords(10_000, 9));
    await bulkRowsPerSecond(servers.off, big, 2);
    await bulkRowsPerSecond(servers.on, big, 2);
    const bulk: Array<Record<'off' | 'on', Figures>> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = {} as Record<'off' | 'on', Figures>;
      for (const k of (i % 2 ? ['on', 'off'] : ['off', 'on']) as Array<'off' | 'on'>) r[k] = await bulkRowsPerSecond(servers[k], big, 4);
      bulk.push(r);
    }
    console.log(`\n2. 10 000-record requests (${ROUNDS} alternating rounds of 4 requests)`);
    for (const [i, r] of bulk.entries()) line(`round ${i + 1}: off / on`, `${fmt(r.off.rps)} / ${fmt(r.on.rps)} rows/s; µs CPU per row ${fmt(r.off.cpu * 1e6, 2)} / ${fmt(r.on.cpu * 1e6, 2)}`);
    ratioLine('on / off', bulk, 'on', 'off', 0.9);
    const bulkPairs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [off, on] = await Promise.all([bulkRowsPerSecond(servers.off, big, 4), bulkRowsPerSecond(servers.on, big, 4)]);
      bulkPairs.push(on.rps / off.rps);
    }
    const p2 = median(bulkPairs);
    line('concurrent pairs: on / off (median)', fmt(p2, 3), `pairs ${bulkPairs.map((x) => fmt(x, 3)).join(', ')}; bar ≥ 0.9: ${verdict(p2 >= 0.9)}`);

    await stopScraping();
    const metrics = await (await fetch(`${servers.log.url}/metrics`)).text();
    const dropped = Number(/payload_log_dropped_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? NaN);
    await stop(servers.log); // flushes its queue
    const written = readdirSync(logDir).reduce((n, f) => n + readFileSync(path.join(logDir, f), 'utf8').split('\n').filter(Boolean).length, 0);
    console.log(`\n3. payload log at sample_rate ${RATE} (BENCH_PAYLOAD_RATE), same rounds as 1.`);
    ratioLine('payload log / off', rounds, 'log', 'off', undefined);
    line('lines written / dropped (queue full)', `${fmt(written)} / ${fmt(dropped)}`);

    const own = await inProcess();
    const requestUs = median(rounds.map((r) => r.off.cpu)) * 1e6;
    console.log('\n4. the monitor in process (5 features, window 500, KS against 400 reference rows)');
    line('one request into the window', `${fmt(own.observeNs)} ns = ${fmt((own.observeNs / 1000 / requestUs) * 100, 2)} % of a request's ${fmt(requestUs, 1)} µs CPU`);
    line('figures of a full window, at a scrape', `${fmt(own.scrapeMs, 2)} ms (once per scrape, every 10 s in production)`);
  } finally {
    await stopScraping();
    for (const s of Object.values(servers)) await stop(s);
    rmSync(bento.dir, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
