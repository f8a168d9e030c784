/**
 * Input formats benchmark (`npm run bench -- formats`): one 10 000-row request to POST /predict as CSV,
 * as JSON columns and as JSON records, end to end, rows/s against onnxruntime's own rows/s in-process on
 * the same model and the same rows (one 10 000-row session.run), measured in alternating rounds in the
 * same run; the median of the per-round ratios is the figure (bar for CSV: ≥ 0.8).
 * The server is pinned to core 0 (`--production --workers 1`), this process to core 1, as bench/serve.ts,
 * but for its own onnxruntime runs, which move to core 0 too: the baseline runs where the servers run.
 * Beside them, the floor (bench/floor-server.ts): node:http with the same parser and preprocessing and one
 * session.run, nothing else — the most any HTTP server reaches here, against which the bar can be read —
 * and the same bento with max_batch_size 10 000 in its bento.yaml (one model call instead of the service's
 * ten): what the split costs. (What a 10 000-row batch costs others: `BENCH_MAX_BATCH_SIZE=10000
 * BENCH_SERVE_PARTS=overload npm run bench -- serve`.)
 * First, where the time of one request goes, in-process: parsing, validation, preprocessing, the model.
 * Both wall-clock rates and CPU-time rates are printed (the server worker's utime+stime from /proc against
 * this process's CPU time around session.run): on a machine shared with other work, wall time measures the
 * neighbours as much as the server, CPU time much less so. Last, inside each bento server, the model's calls
 * (the server's own inference_duration_seconds, read from /metrics around each round) against the whole
 * request: how much of the gap is the model called in pieces, and how much is everything else.
 */
import path from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { svc } from '../service.js';
import { makeBento, setApiSettings, spawnServer, stopServer, waitForStatus } from '../test/kit/bento.js';
import { preprocessed, randomForest, randomRecords } from '../test/kit/model.js';
import { recordsToRows } from '../src/pipeline/preprocess.js';
import { readModelInfo } from '../src/models/model-yaml.js';
import { parseCsvBody } from '../src/runtime/http/csv-body.js';
import { jsonLimitsFor, parseJsonBody } from '../src/runtime/http/json-body.js';
import { toCsv } from '../src/runtime/http/negotiation.js';
import { JsonColumns } from '../src/runtime/http/table.js';
import { tableValidator } from '../src/runtime/http/table-validation.js';
import { compileSchema, createAjv } from '../src/runtime/http/validation.js';
import { DEFAULT_MAX_REQUEST_SIZE } from '../src/sdk/settings.js';
import { Pool } from 'undici';
import { pinned, pinSelf } from './serve-load.js';
import { median } from './stats.js';

const N = 10_000;
const RUNS = 8;
const ROUNDS = 5;
const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const line = (label: string, value: string, bar = ''): void => console.log(`${label.padEnd(50)} ${value}${bar ? `   (${bar})` : ''}`);

/** The request bodies of the same rows in each format. */
export function bodies(records: Array<Record<string, unknown>>): { csv: string; columns: string; records: string } {
  const names = Object.keys(records[0]!);
  const csv = [names.join(','), ...records.map((r) => names.map((n) => (r[n] === undefined || r[n] === null ? '' : String(r[n]))).join(','))].join('\n');
  const columns = JSON.stringify(Object.fromEntries(names.map((n) => [n, records.map((r) => r[n] ?? null)])));
  return { csv, columns, records: JSON.stringify(records) };
}

/** CPU ms this process has used. */
function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU ms process `pid` has used (utime + stime from /proc; 10 ms ticks). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Mean CPU ms of `f` over `n` calls, after one. */
function time(f: () => unknown, n = 20): number {
  f();
  const t0 = ownCpuMs();
  for (let i = 0; i < n; i++) f();
  return (ownCpuMs() - t0) / n;
}

/** Mean wall ms and CPU ms (of `cpu`) of `f` over `n` calls. */
async function timeAsync(f: () => Promise<unknown>, n: number, cpu: () => number = ownCpuMs): Promise<{ wall: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = cpu();
  for (let i = 0; i < n; i++) await f();
  return { wall: (performance.now() - t0) / n, cpu: (cpu() - c0) / n };
}

export async function run(): Promise<void> {
  pinSelf(1);
  const forest = randomForest(1, 100, 8);
  const bento = await makeBento(svc, { forest, serviceModule: 'service.ts' });
  const oneCall = await makeBento(svc, { forest, serviceModule: 'service.ts' });
  setApiSettings(oneCall.dir, 'predict', { max_batch_size: N });
  try {
    const records = randomRecords(N, 9);
    const body = bodies(records);
    const modelDir = path.join(bento.dir, 'models', 'activities_regressor', 'testversion0001');
    const session = await ort.InferenceSession.create(path.join(modelDir, 'model.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const x = Float32Array.from(records.flatMap(preprocessed));
    const input = session.inputNames[0]!;
    const feeds = { [input]: new ort.Tensor('float32', x, [N, 5]) };
    const thousands = Array.from({ length: N / 1000 }, (_, i) => ({ [input]: new ort.Tensor('float32', x.slice(i * 5000, (i + 1) * 5000), [1000, 5]) }));
    await session.run(feeds);

    // Where the time of one request goes (in this process, one core).
    const info = readModelInfo(modelDir);
    const ctx = { models: { regressor: { info, run: () => Promise.reject(new Error('unused')) } } };
    const limits = jsonLimitsFor(DEFAULT_MAX_REQUEST_SIZE);
    const ajv = createAjv();
    const validate = compileSchema(ajv, svc.apis.predict!.input);
    const checkTable = tableValidator(svc.apis.predict!.input, (s) => compileSchema(ajv, s))!;
    const pre = recordsToRows('regressor');
    const csvBytes = Buffer.from(body.csv);
    const parsedRecords = parseJsonBody(body.records, limits) as Array<Record<string, unknown>>;
    const csvTable = parseCsvBody(csvBytes, limits);
    const colTable = JsonColumns.of(parseJsonBody(body.columns, limits))!;
    const outputs = new Float32Array(N).map((_, i) => i / 7);
    console.log(`\nwhere the time of one ${fmt(N)}-row request goes (in-process, CPU ms)`);
    line(`bytes: CSV / JSON columns / JSON records`, `${fmt(body.csv.length)} / ${fmt(body.columns.length)} / ${fmt(body.records.length)}`);
    line('parse: CSV / JSON columns / JSON records', [time(() => parseCsvBody(csvBytes, limits)), time(() => JsonColumns.of(parseJsonBody(body.columns, limits))), time(() => parseJsonBody(body.records, limits))].map((v) => fmt(v, 2)).join(' / '));
    line('validate: CSV / JSON columns / JSON records', [time(() => checkTable(parseCsvBody(csvBytes, limits))) - time(() => parseCsvBody(csvBytes, limits)), time(() => checkTable(colTable)), time(() => validate(parsedRecords))].map((v) => fmt(v, 2)).join(' / '));
    line('preprocess: table / records', [time(() => pre.fromColumns(csvTable, ctx)), time(() => pre(parsedRecords, ctx))].map((v) => fmt(v, 2)).join(' / '));
    line('answer: JSON / CSV', [time(() => JSON.stringify(Array.from(outputs))), time(() => toCsv(outputs))].map((v) => fmt(v, 2)).join(' / '));
    const model = [await timeAsync(() => session.run(feeds), 5), await timeAsync(async () => { for (const f of thousands) await session.run(f); }, 5)];
    line('model: one 10 000-row run / ten 1 000-row runs', model.map((v) => fmt(v.cpu, 2)).join(' / '));

    const serverOn = (dir: string): [string, string[]] => pinned(0, process.execPath, [path.join(dir, 'src', 'service.cjs'), '--production', '--workers', '1', '--port', '0', '--host', '127.0.0.1']);
    const s = await spawnServer(...serverOn(bento.dir));
    const big = await spawnServer(...serverOn(oneCall.dir));
    // The floor (bench/floor-server.ts), on the same core: node:http, the same parser and preprocessing, one run.
    const [fcmd, fargs] = pinned(0, process.execPath, ['--import', 'tsx', path.join(path.dirname(new URL(import.meta.url).pathname), 'floor-server.ts'), modelDir]);
    const floor = await spawnServer(fcmd, fargs);
    try {
      await waitForStatus(`${s.url}/readyz`);
      await waitForStatus(`${big.url}/readyz`);
      const workerOf = async (server: typeof s): Promise<number> => Number((await server.waitForLog((l) => /ready: models loaded/.test(String(l.msg)))).pid);
      const worker = await workerOf(s);
      // The bodies as bytes, encoded once, as a client posting a file or a serialised frame sends them: encoding
      // a 0.5–2 MB string to UTF-8 on every request is the client's work, and not the server's.
      // A keep-alive undici pool, as bento-ts/client uses (fetch's own overhead on a 0.5–2 MB body is the client's).
      const pool = new Pool(s.url, { connections: 1 });
      const floorPool = new Pool(floor.url, { connections: 1 });
      const bigPool = new Pool(big.url, { connections: 1 });
      const kinds = [
        { label: 'POST /predict, CSV', type: 'text/csv', body: Buffer.from(body.csv), pool, pid: worker },
        { label: 'POST /predict, JSON columns', type: 'application/json', body: Buffer.from(body.columns), pool, pid: worker },
        { label: 'POST /predict, JSON records', type: 'application/json', body: Buffer.from(body.records), pool, pid: worker },
        { label: 'POST /predict, CSV, max_batch_size 10 000', type: 'text/csv', body: Buffer.from(body.csv), pool: bigPool, pid: await workerOf(big) },
        { label: 'floor: bare node:http, CSV', type: 'text/csv', body: Buffer.from(body.csv), pool: floorPool, pid: floor.child.pid! },
      ];
      const request = async (k: (typeof kinds)[number]): Promise<void> => {
        const r = await k.pool.request({ path: '/predict', method: 'POST', headers: { 'content-type': k.type }, body: k.body });
        const answer = await r.body.text();
        if (r.statusCode !== 200) throw new Error(`a ${fmt(N)}-row request answered ${r.statusCode}: ${answer.slice(0, 200)}`);
      };
      // The model's own time inside a bento server, from its inference_duration_seconds (sum over the calls).
      const modelSeconds = async (k: (typeof kinds)[number]): Promise<number> => {
        const r = await k.pool.request({ path: '/metrics', method: 'GET' });
        const text = await r.body.text();
        return text.split('\n').filter((l) => /^\S*inference_duration_seconds_sum[{ ]/.test(l)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      };
      const inBento = (k: (typeof kinds)[number]): boolean => k.pool !== floorPool;
      const modelMs = kinds.map((): number[] => []);
      for (const k of kinds) for (let i = 0; i < 2; i++) await request(k);
      type Figures = { rate: number[]; ratio: number[] };
      const wall = kinds.map((): Figures => ({ rate: [], ratio: [] }));
      const cpu = kinds.map((): Figures => ({ rate: [], ratio: [] }));
      const raws = { wall: [] as number[], cpu: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        // onnxruntime in this process, moved onto the servers' core for it: the two cores of this VM differ
        // (one 10 000-row run took 43.2 and 42.9 ms on core 0, 41.9 and 42.2 ms on core 1).
        pinSelf(0);
        const raw = await timeAsync(() => session.run(feeds), RUNS);
        pinSelf(1);
        raws.wall.push((N * 1000) / raw.wall);
        raws.cpu.push((N * 1000) / raw.cpu);
        // Each server has idled while the others ran: one untimed request first, and the order turns each
        // round, so that no kind is always the one measured right after the baseline.
        for (let j = 0; j < kinds.length; j++) {
          const i = (j + round) % kinds.length;
          const k = kinds[i]!;
          await request(k);
          const m0 = inBento(k) ? await modelSeconds(k) : 0;
          const t = await timeAsync(() => request(k), RUNS, () => cpuMsOf(k.pid));
          if (inBento(k)) modelMs[i]!.push((((await modelSeconds(k)) - m0) * 1000) / RUNS);
          wall[i]!.rate.push((N * 1000) / t.wall);
          wall[i]!.ratio.push(raw.wall / t.wall);
          cpu[i]!.rate.push((N * 1000) / t.cpu);
          cpu[i]!.ratio.push(raw.cpu / t.cpu);
        }
      }
      console.log(`\none ${fmt(N)}-row request end to end vs onnxruntime in-process (${ROUNDS} alternating rounds of ${RUNS}; medians)`);
      for (const [what, figures, rawRates] of [['wall', wall, raws.wall], ['CPU', cpu, raws.cpu]] as const) {
        line(`onnxruntime in-process (baseline), ${what}`, `${fmt(median(rawRates))} rows/s`);
        for (const [i, k] of kinds.entries()) {
          const r = median(figures[i]!.ratio);
          const bar = k.label === 'POST /predict, CSV' ? `bar ≥ 0.8: ${r >= 0.8 ? 'PASS' : 'FAIL'}; ` : '';
          line(`${k.label}, ${what}`, `${fmt(median(figures[i]!.rate))} rows/s, ratio ${fmt(r, 2)}`, `${bar}rounds ${figures[i]!.ratio.map((v) => fmt(v, 2)).join(', ')}`);
        }
      }
      // Where a request's time goes in the server: the model's calls against the whole request (wall).
      console.log(`\ninside the bento servers: the model's calls (their inference_duration_seconds) of one request, ms (medians)`);
      line('onnxruntime in-process, one 10 000-row run', fmt((N * 1000) / median(raws.wall), 1));
      for (const [i, k] of kinds.entries()) {
        if (!inBento(k)) continue;
        const model = median(modelMs[i]!);
        const whole = (N * 1000) / median(wall[i]!.rate);
        line(k.label, `model ${fmt(model, 1)} of ${fmt(whole, 1)}; the rest ${fmt(whole - model, 1)}`);
      }
      await pool.close();
      await floorPool.close();
      await bigPool.close();
    } finally {
      await stopServer(s);
      await stopServer(big);
      await stopServer(floor);
    }
  } finally {
    rmSync(bento.dir, { recursive: true, force: true });
    rmSync(oneCall.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
