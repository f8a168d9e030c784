/**
 * Open Inference Protocol benchmark (`npm run bench -- v2`): `POST /v2/models/{name}/infer` against the rows
 * API `POST /predict` on the same model (a 100-tree depth-8 forest over 5 features), in the same run, served
 * by a bento in its own process (`--production --workers 1`, pinned to core 0; the load on core 1):
 *   1. requests of 1 row, 32 connections, 3 alternating rounds: V2 req/s ÷ /predict req/s;
 *   2. requests of 1 000 rows, one at a time: V2 rows/s ÷ /predict rows/s (median of 3 alternating rounds).
 * Both are ratios to the rows API on the same server: V2 carries the same rows as a tensor (flat FP32 data)
 * instead of JSON records, so its cost is validation, conversion and the answer's format.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { makeBento, spawnServer, waitForStatus, type Served } from '../test/kit/bento.js';
import { FEATURES, preprocessed, randomForest, randomRecords } from '../test/kit/model.js';
import { svc } from '../test/kit/service.js';
import { maxThroughput, pinned, pinSelf } from './serve-load.js';
import { median } from './stats.js';

const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const line = (label: string, value: string): void => console.log(`${label.padEnd(52)} ${value}`);

/** The V2 request for records (as the rows API would preprocess them), with flat row-major data. */
function v2Body(records: Array<Record<string, unknown>>): string {
  const data = records.flatMap(preprocessed);
  return JSON.stringify({ inputs: [{ name: 'input', shape: [records.length, FEATURES.length], datatype: 'FP32', data }] });
}

/** Rows per second of `runs` sequential requests of `rows` rows each. */
async function rowsPerSecond(url: string, body: string, rows: number, runs: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}: ${await r.text()}`);
    await r.arrayBuffer();
  }
  return (runs * rows) / ((performance.now() - t0) / 1000);
}

export async function run(): Promise<void> {
  pinSelf(1);
  const bento = await makeBento(svc, { forest: randomForest(1, 100, 8) });
  const entry = path.join(bento.dir, 'src', 'service.cjs');
  let s: Served | undefined;
  try {
    const [cmd, args] = pinned(0, process.execPath, [entry, '--production', '--workers', '1', '--port', '0', '--host', '127.0.0.1']);
    s = await spawnServer(cmd, args);
    await waitForStatus(`${s.url}/readyz`);
    const predict = `${s.url}/predict`;
    const infer = `${s.url}/v2/models/activities_regressor/infer`;

    // 1. one row per request
    const one = randomRecords(1, 42);
    const [oneRows, oneV2] = [JSON.stringify(one), v2Body(one)];
    await maxThroughput(predict, oneRows, 32, 2);
    await maxThroughput(infer, oneV2, 32, 2);
    const rounds: Array<{ rows: number; v2: number; non2xx: number }> = [];
    for (let i = 0; i < 3; i++) {
      const rows = await maxThroughput(predict, oneRows, 32, 5);
      const v2 = await maxThroughput(infer, oneV2, 32, 5);
      rounds.push({ rows: rows.rps, v2: v2.rps, non2xx: rows.non2xx + v2.non2xx });
    }
    console.log('\n1. requests of 1 row, 32 connections (3 alternating rounds of 5 s)');
    for (const [i, r] of rounds.entries()) line(`round ${i + 1}: /predict / V2 infer`, `${fmt(r.rows)} / ${fmt(r.v2)} req/s, non-2xx ${r.non2xx}`);
    line('V2 ÷ /predict (median of rounds)', fmt(median(rounds.map((r) => r.v2 / r.rows)), 2));

    // 2. 1 000 rows per request, one at a time
    const many = randomRecords(1000, 9);
    const [manyRows, manyV2] = [JSON.stringify(many), v2Body(many)];
    await rowsPerSecond(predict, manyRows, 1000, 5);
    await rowsPerSecond(infer, manyV2, 1000, 5);
    const bulk: Array<{ rows: number; v2: number }> = [];
    for (let i = 0; i < 3; i++) bulk.push({ rows: await rowsPerSecond(predict, manyRows, 1000, 30), v2: await rowsPerSecond(infer, manyV2, 1000, 30) });
    console.log('\n2. requests of 1 000 rows, one at a time (3 alternating rounds of 30)');
    console.log(`   bodies: /predict ${fmt(manyRows.length / 1024)} KiB of records, V2 ${fmt(manyV2.length / 1024)} KiB of flat FP32 data`);
    for (const [i, r] of bulk.entries()) line(`round ${i + 1}: /predict / V2 infer`, `${fmt(r.rows)} / ${fmt(r.v2)} rows/s`);
    line('V2 ÷ /predict (median of rounds)', fmt(median(bulk.map((r) => r.v2 / r.rows)), 2));
  } finally {
    if (s && s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    rmSync(bento.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
